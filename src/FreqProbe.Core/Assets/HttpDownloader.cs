using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace FreqProbe.Core.Assets;

/// <summary>
/// Downloads a URL into a partial file, resuming with an HTTP range request after a dropped connection and retrying
/// transient failures (connection errors, 408, 429, 5xx) with exponential backoff. Client errors such as 404 fail
/// at once with a readable message.
/// </summary>
public sealed class HttpDownloader(HttpClient client, int maxAttempts = 5, TimeSpan? firstDelay = null)
{
    readonly TimeSpan firstDelay = firstDelay ?? TimeSpan.FromSeconds(1);

    /// <summary>Downloads <paramref name="url"/> to <paramref name="partialPath"/>, continuing a partial file if there is one.</summary>
    public async Task DownloadAsync(Uri url, string partialPath, IProgress<DownloadProgress>? progress = null, TextWriter? log = null, CancellationToken cancellation = default)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(partialPath))!);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await TryOnceAsync(url, partialPath, progress, cancellation).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (IsTransient(e) && attempt < maxAttempts && !cancellation.IsCancellationRequested)
            {
                TimeSpan delay = firstDelay * Math.Pow(2, attempt - 1);
                log?.WriteLine($"freqprobe fetch: {url}: {e.Message}; retrying in {delay.TotalSeconds:0.#} s (attempt {attempt + 1} of {maxAttempts}), resuming from byte {Length(partialPath)}");
                await Task.Delay(delay, cancellation).ConfigureAwait(false);
            }
            catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.NameResolutionError)
            {
                throw new InputException($"{url}: the host name does not resolve ({e.Message}); expected network access to it, or a mirror.", e);
            }
            catch (Exception e) when (IsTransient(e))
            {
                long kept = Length(partialPath);
                if (kept == 0) File.Delete(partialPath); // an empty partial file resumes nothing
                throw new InputException($"{url}: download failed after {attempt} attempts: {e.Message}; " + (kept > 0
                    ? $"the partial file {partialPath} ({kept:N0} bytes) is kept, so running the same command again resumes it."
                    : "nothing was received, so nothing is kept; run the same command again when the server answers."), e);
            }
        }
    }

    async Task TryOnceAsync(Uri url, string partialPath, IProgress<DownloadProgress>? progress, CancellationToken cancellation)
    {
        long existing = Length(partialPath);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (existing > 0) request.Headers.Range = new RangeHeaderValue(existing, null);
        using HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && existing > 0)
        {
            return; // the partial file is already complete; the checksum decides
        }
        if (!response.IsSuccessStatusCode)
        {
            int code = (int)response.StatusCode;
            if (code is 408 or 429 or >= 500) throw new TransientHttpException($"HTTP {code} {response.ReasonPhrase}");
            throw new InputException($"{url}: HTTP {code} {response.ReasonPhrase}; expected the file to be there (check the URL, --url or --mirror).");
        }
        bool append = existing > 0 && response.StatusCode == HttpStatusCode.PartialContent;
        long? total = response.Content.Headers.ContentLength is { } length ? length + (append ? existing : 0) : null;
        await using Stream body = await response.Content.ReadAsStreamAsync(cancellation).ConfigureAwait(false);
        await using var file = new FileStream(partialPath, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        var buffer = new byte[1 << 16];
        var clock = Stopwatch.StartNew();
        long received = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellation).ConfigureAwait(false)) > 0)
        {
            await file.WriteAsync(buffer.AsMemory(0, read), cancellation).ConfigureAwait(false);
            received += read;
            progress?.Report(new DownloadProgress(Path.GetFileName(partialPath), file.Length, total, received / Math.Max(clock.Elapsed.TotalSeconds, 1e-3)));
        }
        await file.FlushAsync(cancellation).ConfigureAwait(false);
        if (total is { } expected && file.Length < expected)
        {
            throw new IOException($"the connection closed after {file.Length} of {expected} bytes");
        }
    }

    static long Length(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    // A host name that does not resolve means no network (or a wrong mirror), not a passing failure: no retries.
    static bool IsTransient(Exception e) => e is HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError }
        ? false
        : e is IOException or HttpRequestException or TransientHttpException || (e is TaskCanceledException && e.InnerException is TimeoutException);

    sealed class TransientHttpException(string message) : Exception(message);
}
