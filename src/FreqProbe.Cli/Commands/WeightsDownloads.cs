using FreqProbe.Core;
using FreqProbe.Core.Assets;
using FreqProbe.Core.Planning;

namespace FreqProbe.Cli.Commands;

/// <summary>
/// Downloads weights a resolved run needs into the cache on first use, as torch.hub and timm do, with the fetcher of
/// `freqprobe fetch`: progress bar, checksum, resumable partial file, retries. A failure is one input error naming
/// the URL tried, the cache path to place the file at by hand and the fetch command.
/// </summary>
internal static class WeightsDownloads
{
    // One client for the process, as HttpClient is meant to be used.
    static readonly HttpClient Http = CreateClient();

    static HttpClient CreateClient()
    {
        var http = new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("freqprobe");
        return http;
    }

    /// <summary>The fetcher for <paramref name="cache"/> that `fetch` and first-use downloads share.</summary>
    public static AssetFetcher Fetcher(AssetCache cache) => new(cache, new HttpDownloader(Http));

    /// <summary>Makes sure <paramref name="download"/> is in the cache.</summary>
    public static void Ensure(CommandContext context, WeightsDownload download, bool quiet)
    {
        var cache = new AssetCache(context.Resolver.CacheRoot);
        if (cache.Has(download.Spec)) return;
        context.Error.WriteLine($"freqprobe: downloading {download.Spec.FileName} ({download.Spec.Description}) from {download.Source} into {download.FinalPath}");
        AssetFetcher fetcher = Fetcher(cache);
        using var bar = new ProgressBar(context.Error, context.ShowsProgress && !quiet, context.ProgressLines(quiet));
        try
        {
            fetcher.FetchAsync(download.Spec, download.Source, bar, bar.LinesBelow(context.Error)).GetAwaiter().GetResult();
            bar.Finish();
        }
        catch (Exception e) when (e is InputException or HttpRequestException or IOException or TaskCanceledException or UnauthorizedAccessException)
        {
            bar.Finish();
            throw new InputException("weights", $"{download.Spec.FileName} is not in the cache and could not be downloaded from {download.Source} ({Reason(e)}); " +
                $"place the file at {download.FinalPath} by hand, or run `freqprobe fetch {download.Spec.Name}` where there is network " +
                "(FREQPROBE_MIRROR=URL points at an internal mirror; --offline or FREQPROBE_OFFLINE=1 never tries).", e);
        }
    }

    static string Reason(Exception e)
    {
        string message = e.InnerException is { } inner && e is not InputException ? inner.Message : e.Message;
        int colon = message.IndexOf(": ", StringComparison.Ordinal);
        if (colon > 0 && Uri.TryCreate(message[..colon], UriKind.Absolute, out _)) message = message[(colon + 2)..]; // the URL is said once already
        return message.Replace(Environment.NewLine, " ", StringComparison.Ordinal).TrimEnd('.');
    }
}
