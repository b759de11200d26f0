using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace FreqProbe.Core.Assets;

/// <summary>
/// Fetches an asset into an <see cref="AssetCache"/>: download (resumable), verify the checksum, then move the weights
/// into place or unpack the archive into a temporary folder that is renamed into place. A file that fails its
/// checksum is deleted, never kept under the final name.
/// </summary>
public sealed class AssetFetcher(AssetCache cache, HttpDownloader downloader)
{
    /// <summary>Fetches <paramref name="spec"/> (from <paramref name="url"/> when given) and returns its final path.</summary>
    public async Task<string> FetchAsync(AssetSpec spec, Uri? url = null, IProgress<DownloadProgress>? progress = null, TextWriter? log = null, CancellationToken cancellation = default)
    {
        string final = cache.FinalPath(spec);
        if (cache.Has(spec))
        {
            log?.WriteLine($"freqprobe fetch: {spec.Name} is already in the cache: {final}");
            return final;
        }
        Uri source = url ?? new Uri(spec.Url);
        string partial = cache.PartialPath(spec);
        await downloader.DownloadAsync(source, partial, progress, log, cancellation).ConfigureAwait(false);
        Verify(spec, source, partial);
        if (spec.Kind == AssetKind.Weights)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            File.Move(partial, final, overwrite: true);
        }
        else
        {
            Unpack(spec, partial, final);
            File.Delete(partial);
        }
        log?.WriteLine($"freqprobe fetch: {spec.Name} -> {final}");
        return final;
    }

    static void Verify(AssetSpec spec, Uri source, string partial)
    {
        string actual;
        using (FileStream stream = File.OpenRead(partial))
        {
            // MD5 is what the CIFAR-10 page publishes; it checks integrity here, not authenticity.
#pragma warning disable CA5351
            actual = Convert.ToHexStringLower(spec.ChecksumKind == ChecksumKind.Md5 ? MD5.HashData(stream) : SHA256.HashData(stream));
#pragma warning restore CA5351
        }
        bool ok = spec.ChecksumKind == ChecksumKind.Md5
            ? actual.Equals(spec.Checksum, StringComparison.OrdinalIgnoreCase)
            : actual.StartsWith(spec.Checksum, StringComparison.OrdinalIgnoreCase);
        if (ok) return;
        long size = new FileInfo(partial).Length;
        File.Delete(partial);
        string what = spec.ChecksumKind == ChecksumKind.Md5 ? "MD5" : "SHA-256 prefix";
        throw new InputException($"{source}: checksum mismatch for {spec.FileName} ({size} bytes): expected {what} {spec.Checksum}, got {actual}; the download was deleted.");
    }

    static void Unpack(AssetSpec spec, string archive, string final)
    {
        string parent = Path.GetDirectoryName(final)!;
        Directory.CreateDirectory(parent);
        string temp = Path.Combine(parent, $".{spec.Name}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temp);
        try
        {
            using (FileStream file = File.OpenRead(archive))
            using (var gzip = new GZipStream(file, CompressionMode.Decompress))
            {
                TarFile.ExtractToDirectory(gzip, temp, overwriteFiles: false);
            }
            File.WriteAllText(Path.Combine(temp, AssetCache.CompleteMarker), spec.Url);
            if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
            Directory.Move(temp, final);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or FormatException or UnauthorizedAccessException)
        {
            TryDeleteDirectory(temp);
            File.Delete(archive);
            throw new InputException($"{archive}: not a valid .tar.gz archive ({e.Message}); it was deleted, nothing was unpacked.", e);
        }
    }

    static void TryDeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
