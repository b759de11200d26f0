using FreqProbe.Core.Assets;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Cli.Tests;

public sealed class FetchCommandTests : IDisposable
{
    readonly TempDirectory dir = new();
    readonly string? savedHome = Environment.GetEnvironmentVariable("FREQPROBE_HOME");

    public FetchCommandTests() => Environment.SetEnvironmentVariable("FREQPROBE_HOME", dir.File("home"));

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("FREQPROBE_HOME", savedHome);
        dir.Dispose();
    }

    [Fact]
    public void A_mirror_file_that_fails_the_official_checksum_is_refused()
    {
        using var server = new LocalHttpServer();
        server.Add("cifar-10-binary.tar.gz", new byte[] { 1, 2, 3, 4 });
        CliRun run = CliRun.Invoke("fetch", "cifar10", "--mirror", server.BaseUrl, "--cache-dir", dir.File("cache"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("checksum mismatch", run.Error, StringComparison.Ordinal);
        Assert.Contains("c32a1d4ab5d03f1284b67883e8d87530", run.Error, StringComparison.Ordinal);
        Assert.False(new AssetCache(dir.File("cache")).Has(AssetCatalog.Get("cifar10")));
    }

    [Fact]
    public void List_shows_every_asset_and_the_cache()
    {
        CliRun run = CliRun.Invoke("fetch", "--list", "--cache-dir", dir.File("cache"));
        Assert.Equal(0, run.ExitCode);
        foreach (string name in AssetCatalog.Names) Assert.Contains(name, run.Out, StringComparison.Ordinal);
        Assert.Contains(dir.File("cache"), run.Out, StringComparison.Ordinal);
        Assert.Equal(2, CliRun.Invoke("fetch", "imagenet").ExitCode);
        Assert.Equal(2, CliRun.Invoke("fetch", "cifar10", "resnet50", "--url", "http://127.0.0.1:9/x").ExitCode);
    }

    [Fact]
    public void Cifar10_without_data_uses_the_cache_or_names_the_fetch_command()
    {
        CliRun missing = CliRun.Invoke("lowpass", "--model", "cifar-resnet20", "--weights", "random", "--dataset", "cifar10", "--radii", "4");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("freqprobe fetch cifar10", missing.Error, StringComparison.Ordinal);

        var cache = AssetCache.Default;
        string folder = Path.Combine(cache.FinalPath(AssetCatalog.Get("cifar10")), "cifar-10-batches-bin");
        Directory.CreateDirectory(folder);
        SyntheticCifar.WriteSmoothTestBatch(folder, 12);
        File.WriteAllText(Path.Combine(cache.FinalPath(AssetCatalog.Get("cifar10")), AssetCache.CompleteMarker), "test");
        CliRun run = CliRun.Invoke("lowpass", "--model", "cifar-resnet20", "--weights", "random", "--dataset", "cifar10", "--radii", "4", "--quiet", "--out", dir.File("r.csv"));
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains(",12,", File.ReadAllLines(dir.File("r.csv"))[1], StringComparison.Ordinal);

        CliRun torchvision = CliRun.Invoke("lowpass", "--model", "resnet50", "--weights", "torchvision", "--dataset", "cifar10", "--radii", "4");
        Assert.Equal(2, torchvision.ExitCode);
        Assert.Contains("freqprobe fetch resnet50", torchvision.Error, StringComparison.Ordinal);
    }
}

public sealed class PrepareCommandTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    // Input errors, not crashes: a file: URL, a cache folder or output folder that is a file, and fetch under
    // FREQPROBE_OFFLINE=1, which forbids any download.
    [Fact]
    public void Fetch_and_prepare_refuse_what_they_cannot_use_with_exit_2()
    {
        CliRun fileUrl = CliRun.Invoke("fetch", "resnet18", "--url", "file:///etc/passwd", "--cache-dir", dir.File("cache"));
        Assert.Equal(2, fileUrl.ExitCode);
        Assert.Contains("'file:///etc/passwd' is not an http or https URL", fileUrl.Error, StringComparison.Ordinal);

        File.WriteAllText(dir.File("plain"), "x");
        CliRun cacheFile = CliRun.Invoke("fetch", "resnet18", "--cache-dir", dir.File("plain"));
        Assert.Equal(2, cacheFile.ExitCode);
        Assert.Contains($"--cache-dir: '{dir.File("plain")}' is a file; expected a folder", cacheFile.Error, StringComparison.Ordinal);

        CliRun offline = CliRun.InvokeWith(new Dictionary<string, string?> { ["FREQPROBE_OFFLINE"] = "1" }, "fetch", "resnet18", "--cache-dir", dir.File("cache"));
        Assert.Equal(2, offline.ExitCode);
        Assert.Contains("FREQPROBE_OFFLINE=1 forbids any download", offline.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.File("cache")) && Directory.EnumerateFiles(dir.File("cache"), "*", SearchOption.AllDirectories).Any());

        Directory.CreateDirectory(dir.File("flat2"));
        File.WriteAllLines(dir.File("gt2.csv"), new[] { "ImageId,PredictionString", "ILSVRC2012_val_00000001,n01440764 1 2 3 4" });
        CliRun prepare = CliRun.Invoke("prepare", "imagenet-val", "--images", dir.File("flat2"), "--ground-truth", dir.File("gt2.csv"), "--out", dir.File("plain"));
        Assert.Equal(2, prepare.ExitCode);
        Assert.Contains($"--out: '{dir.File("plain")}' is a file; expected a folder", prepare.Error, StringComparison.Ordinal);
        Assert.Equal("x", File.ReadAllText(dir.File("plain")));
    }

    [Fact]
    public void Prepare_lists_what_it_cannot_place_and_exits_2_keeping_the_rest()
    {
        string images = dir.File("flat");
        Directory.CreateDirectory(images);
        File.WriteAllBytes(Path.Combine(images, "ILSVRC2012_val_00000001.JPEG"), new byte[] { 1 });
        File.WriteAllBytes(Path.Combine(images, "ILSVRC2012_val_00000002.JPEG"), new byte[] { 2 });
        File.WriteAllLines(dir.File("gt.csv"), new[] { "ImageId,PredictionString", "ILSVRC2012_val_00000001,n01440764 1 2 3 4", "ILSVRC2012_val_00000003,n01443537 1 2 3 4" });
        CliRun run = CliRun.Invoke("prepare", "imagenet-val", "--images", images, "--ground-truth", dir.File("gt.csv"), "--out", dir.File("out"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("placed 1 images", run.Out, StringComparison.Ordinal);
        Assert.Contains("ILSVRC2012_val_00000002.JPEG: no usable ground-truth entry", run.Error, StringComparison.Ordinal);
        Assert.Contains("ILSVRC2012_val_00000003.JPEG: in the ground truth (n01443537)", run.Error, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dir.File("out"), "val", "n01440764", "ILSVRC2012_val_00000001.JPEG")));

        File.WriteAllLines(dir.File("gt.txt"), new[] { "1" });
        CliRun noMeta = CliRun.Invoke("prepare", "imagenet-val", "--images", images, "--ground-truth", dir.File("gt.txt"), "--out", dir.File("out2"));
        Assert.Equal(2, noMeta.ExitCode);
        Assert.Contains("--meta", noMeta.Error, StringComparison.Ordinal);
    }
}
