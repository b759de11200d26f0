using System.Net;
using System.Net.Sockets;

namespace FreqProbe.Core.Tests.Support;

/// <summary>
/// A real HTTP server on 127.0.0.1 serving in-memory files, with range support. A file registered with
/// <see cref="DropFirstResponseHalfway"/> has its first (non-range) response cut off after half the body.
/// </summary>
public sealed class LocalHttpServer : IDisposable
{
    readonly HttpListener listener = new();
    readonly Dictionary<string, byte[]> files = new(StringComparer.Ordinal);
    readonly HashSet<string> dropOnce = new(StringComparer.Ordinal);
    readonly Task loop;

    public LocalHttpServer()
    {
        int port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}/";
        listener.Prefixes.Add(BaseUrl);
        listener.Start();
        loop = Task.Run(ServeAsync);
    }

    public string BaseUrl { get; }

    /// <summary>The Range headers received, in order ("" for a request without one).</summary>
    public List<string> RangeHeaders { get; } = new();

    public Uri Add(string path, byte[] content)
    {
        files[path] = content;
        return new Uri(BaseUrl + path);
    }

    public void DropFirstResponseHalfway(string path) => dropOnce.Add(path);

    static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            try
            {
                await HandleAsync(context);
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
            {
                // The client went away; serve the next request.
            }
        }
    }

    async Task HandleAsync(HttpListenerContext context)
    {
        string path = context.Request.Url!.AbsolutePath.TrimStart('/');
        string range = context.Request.Headers["Range"] ?? "";
        lock (RangeHeaders) RangeHeaders.Add(range);
        HttpListenerResponse response = context.Response;
        if (!files.TryGetValue(path, out byte[]? content))
        {
            response.StatusCode = 404;
            response.Close();
            return;
        }
        long start = 0;
        if (range.StartsWith("bytes=", StringComparison.Ordinal))
        {
            start = long.Parse(range["bytes=".Length..].TrimEnd('-'), System.Globalization.CultureInfo.InvariantCulture);
            if (start >= content.Length)
            {
                response.StatusCode = 416;
                response.Close();
                return;
            }
            response.StatusCode = 206;
            response.AddHeader("Content-Range", $"bytes {start}-{content.Length - 1}/{content.Length}");
        }
        response.ContentLength64 = content.Length - start;
        if (start == 0 && dropOnce.Remove(path))
        {
            await response.OutputStream.WriteAsync(content.AsMemory(0, content.Length / 2));
            await response.OutputStream.FlushAsync();
            response.Abort(); // the connection drops half-way
            return;
        }
        await response.OutputStream.WriteAsync(content.AsMemory((int)start));
        response.Close();
    }

    public void Dispose()
    {
        listener.Stop();
        listener.Close();
        loop.Wait(TimeSpan.FromSeconds(5));
    }
}
