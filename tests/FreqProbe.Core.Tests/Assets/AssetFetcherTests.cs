using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using FreqProbe.Core.Assets;
using FreqProbe.Core.Datasets;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Core.Tests.Assets;

public sealed class AssetFetcherTests : IDisposable
{
    readonly TempDirectory dir = new();
    readonly LocalHttpServer server = new();
    readonly HttpClient http = new();

    public void Dispose()
    {
        http.Dispose();
        server.Dispose();
        dir.Dispose();
    }

    AssetFetcher Fetcher(AssetCache cache) => new(cache, new HttpDownloader(http, maxAttempts: 3, firstDelay: TimeSpan.FromMilliseconds(10)));

    // A .tar.gz in the CIFAR release layout: cifar-10-batches-bin/test_batch.bin with 20 records.
    static byte[] CifarTarball()
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, "cifar-10-batches-bin/test_batch.bin")
            {
                DataStream = new MemoryStream(SyntheticCifar.Records(20)),
            };
            tar.WriteEntry(entry);
        }
        return memory.ToArray();
    }

    static string Md5(byte[] bytes) => Convert.ToHexStringLower(MD5.HashData(bytes));

    static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    [Fact]
    public async Task Fetches_verifies_and_unpacks_an_archive_and_a_weights_file()
    {
        byte[] tarball = CifarTarball();
        Uri archiveUrl = server.Add("cifar-10-binary.tar.gz", tarball);
        var cache = new AssetCache(dir.File("cache"));
        var spec = new AssetSpec("cifar10", archiveUrl.ToString(), ChecksumKind.Md5, Md5(tarball), AssetKind.Archive, "test");
        string folder = await Fetcher(cache).FetchAsync(spec);
        Assert.True(cache.Has(spec));
        Assert.Equal(Path.Combine(folder, "cifar-10-batches-bin"), cache.Cifar10Folder());
        using (Cifar10BinaryDataset data = Cifar10BinaryDataset.Open(cache.Cifar10Folder()!)) Assert.Equal(20, data.Count);
        Assert.False(File.Exists(cache.PartialPath(spec)));

        byte[] weights = RandomNumberGenerator.GetBytes(5000);
        string prefix = Sha256(weights)[..8];
        Uri weightsUrl = server.Add($"resnet50-{prefix}.pth", weights);
        var weightsSpec = new AssetSpec("resnet50", weightsUrl.ToString(), ChecksumKind.Sha256Prefix, prefix, AssetKind.Weights, "test");
        string path = await Fetcher(cache).FetchAsync(weightsSpec);
        Assert.Equal(weights, File.ReadAllBytes(path));
        Assert.Equal(Path.Combine(cache.Root, "weights", $"resnet50-{prefix}.pth"), path);
    }

    [Fact]
    public async Task A_checksum_mismatch_is_an_error_and_the_file_is_not_kept()
    {
        byte[] weights = RandomNumberGenerator.GetBytes(3000);
        Uri url = server.Add("resnet50-deadbeef.pth", weights);
        var cache = new AssetCache(dir.File("cache"));
        var spec = new AssetSpec("resnet50", url.ToString(), ChecksumKind.Sha256Prefix, "deadbeef", AssetKind.Weights, "test");
        var error = await Assert.ThrowsAsync<InputException>(() => Fetcher(cache).FetchAsync(spec));
        Assert.Contains("checksum mismatch", error.Message, StringComparison.Ordinal);
        Assert.Contains("deadbeef", error.Message, StringComparison.Ordinal);
        Assert.Contains(Sha256(weights), error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(cache.FinalPath(spec)));
        Assert.False(File.Exists(cache.PartialPath(spec)));
    }

    [Fact]
    public async Task A_connection_dropped_halfway_resumes_with_a_range_request()
    {
        byte[] weights = RandomNumberGenerator.GetBytes(400_000);
        string prefix = Sha256(weights)[..8];
        Uri url = server.Add("w.pth", weights);
        server.DropFirstResponseHalfway("w.pth");
        var cache = new AssetCache(dir.File("cache"));
        var spec = new AssetSpec("w", url.ToString(), ChecksumKind.Sha256Prefix, prefix, AssetKind.Weights, "test");
        var log = new StringWriter();
        string path = await Fetcher(cache).FetchAsync(spec, log: log);
        Assert.Equal(weights, File.ReadAllBytes(path));
        Assert.Equal("", server.RangeHeaders[0]);
        Assert.Contains(server.RangeHeaders.Skip(1), h => h.StartsWith("bytes=", StringComparison.Ordinal) && h != "bytes=0-");
        Assert.Contains("retrying", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_404_is_a_readable_error_without_retries()
    {
        var cache = new AssetCache(dir.File("cache"));
        var spec = new AssetSpec("resnet50", server.BaseUrl + "nothing-here.pth", ChecksumKind.Sha256Prefix, "00", AssetKind.Weights, "test");
        var error = await Assert.ThrowsAsync<InputException>(() => Fetcher(cache).FetchAsync(spec));
        Assert.Contains("HTTP 404", error.Message, StringComparison.Ordinal);
        Assert.Contains("nothing-here.pth", error.Message, StringComparison.Ordinal);
        Assert.Single(server.RangeHeaders);
    }

    [Fact]
    public async Task A_refused_connection_keeps_no_partial_file_and_says_so()
    {
        // A port that was just free: nothing listens, so every attempt is refused before a byte arrives.
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        int port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var cache = new AssetCache(dir.File("cache"));
        var spec = new AssetSpec("resnet50", $"http://127.0.0.1:{port}/resnet50.pth", ChecksumKind.Sha256Prefix, "00", AssetKind.Weights, "test");
        var error = await Assert.ThrowsAsync<InputException>(() => Fetcher(cache).FetchAsync(spec));
        Assert.Contains("download failed after 3 attempts", error.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was received, so nothing is kept", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("is kept, so", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.Exists(dir.File("cache")) ? Directory.GetFiles(dir.File("cache"), "*.part", SearchOption.AllDirectories) : Array.Empty<string>());
    }

    [Fact]
    public async Task A_corrupt_archive_is_an_error_and_nothing_is_unpacked()
    {
        byte[] garbage = RandomNumberGenerator.GetBytes(2000);
        Uri url = server.Add("cifar-10-binary.tar.gz", garbage);
        var cache = new AssetCache(dir.File("cache"));
        var spec = new AssetSpec("cifar10", url.ToString(), ChecksumKind.Md5, Md5(garbage), AssetKind.Archive, "test");
        var error = await Assert.ThrowsAsync<InputException>(() => Fetcher(cache).FetchAsync(spec));
        Assert.Contains("not a valid .tar.gz", error.Message, StringComparison.Ordinal);
        Assert.False(cache.Has(spec));
        Assert.Null(cache.Cifar10Folder());
        Assert.Empty(Directory.GetDirectories(Path.Combine(cache.Root, "datasets")));
    }

    [Fact]
    public void Catalog_prefixes_come_from_the_torchvision_file_names()
    {
        foreach (AssetSpec spec in AssetCatalog.All.Where(a => a.Kind == AssetKind.Weights))
        {
            Assert.StartsWith("https://download.pytorch.org/models/", spec.Url, StringComparison.Ordinal);
            Assert.EndsWith($"-{spec.Checksum}.pth", spec.FileName, StringComparison.Ordinal);
        }
        Assert.Equal("c32a1d4ab5d03f1284b67883e8d87530", AssetCatalog.Get("cifar10").Checksum);
    }
}
