using System.Security.Cryptography;
using System.Text.Json;
using FreqProbe.Core.Assets;
using FreqProbe.Core.Models;
using FreqProbe.Core.Tests.Support;
using TorchSharp;
using TorchSharp.PyBridge;

namespace FreqProbe.Cli.Tests;

/// <summary>`--model NAME` alone: the model's standard weights (from the cache, downloaded on first use) and its own data.</summary>
public sealed class ModelDefaultsTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    string Home => dir.File("home");

    Dictionary<string, string?> Variables(bool offline = false, string? mirror = null) => new()
    {
        ["FREQPROBE_HOME"] = Home,
        ["FREQPROBE_OFFLINE"] = offline ? "1" : null,
        ["FREQPROBE_MIRROR"] = mirror,
    };

    static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [ImageNetSampleFact]
    [Trait("Speed", "slow")]
    public void Resnet50_as_typed_runs_torchvision_weights_on_imagenet_at_224()
    {
        // A torchvision-layout state dict under the V1 file name, and the ImageNet folders where `prepare` puts them.
        string weights = new AssetCache(Home).FinalPath(AssetCatalog.Get("resnet50"));
        Directory.CreateDirectory(Path.GetDirectoryName(weights)!);
        torch.manual_seed(0);
        using (var model = ModelRegistry.Get("resnet50").Create(1000)) model.save_py(weights);
        string imagenet = Path.Combine(Home, "datasets", "imagenet");
        Directory.CreateDirectory(imagenet);
        Directory.CreateSymbolicLink(Path.Combine(imagenet, "val"), Path.Combine(SharedData.ImageNetSample, "val"));

        string results = dir.File("r.json");
        CliRun run = CliRun.InvokeWith(Variables(offline: true), "lowpass", "--model", "resnet50", "--radii", "4..32", "--limit", "2", "--threads", "2", "--out", results);
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.DoesNotContain("warning", run.Error, StringComparison.OrdinalIgnoreCase); // no "keeps every coefficient at 32x32"
        Assert.DoesNotContain("built-in default", run.Error, StringComparison.Ordinal);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(results));
        JsonElement meta = doc.RootElement.GetProperty("run");
        Assert.Equal("resnet50", meta.GetProperty("model").GetString());
        Assert.Equal("torchvision", meta.GetProperty("weights").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(weights))), meta.GetProperty("weights_sha256").GetString());
        Assert.Equal("imagenet", meta.GetProperty("dataset").GetString());
        Assert.Equal(224, meta.GetProperty("input_size").GetInt32());
        Assert.Equal(1 + 29, doc.RootElement.GetProperty("rows").GetArrayLength());
        Assert.Equal(2, meta.GetProperty("evaluated").GetInt32());
    }

    [Fact]
    public void Offline_with_an_empty_cache_exits_2_with_one_line_and_no_synthetic_fallback()
    {
        // With nothing in the cache, both missing things are named, one line each, and nothing else runs.
        CliRun empty = CliRun.InvokeWith(Variables(offline: true), "lowpass", "--model", "resnet50", "--radii", "4..32");
        Assert.Equal(2, empty.ExitCode);
        Assert.Equal(new[] { "--weights", "--data" }, Lines(empty.Error).Select(l => l["freqprobe: error: ".Length..].Split(':')[0]));
        Assert.DoesNotContain("built-in", empty.Error, StringComparison.Ordinal);

        Directory.CreateDirectory(Path.Combine(Home, "datasets", "imagenet", "val"));
        foreach ((Dictionary<string, string?> variables, string[] extra) in new[] { (Variables(offline: true), Array.Empty<string>()), (Variables(), new[] { "--offline" }) })
        {
            CliRun run = CliRun.InvokeWith(variables, new[] { "lowpass", "--model", "resnet50", "--radii", "4..32" }.Concat(extra).ToArray());
            Assert.Equal(2, run.ExitCode);
            string line = Assert.Single(Lines(run.Error));
            AssetSpec spec = AssetCatalog.Get("resnet50");
            Assert.StartsWith("freqprobe: error: --weights: ", line, StringComparison.Ordinal);
            Assert.Contains(spec.Url, line, StringComparison.Ordinal);
            Assert.Contains(new AssetCache(Home).FinalPath(spec), line, StringComparison.Ordinal);
            Assert.Contains("freqprobe fetch resnet50", line, StringComparison.Ordinal);
            Assert.Empty(run.Out);
        }
    }

    [Fact]
    public void Missing_imagenet_images_are_one_line_naming_prepare_and_data()
    {
        CliRun run = CliRun.InvokeWith(Variables(), "lowpass", "--model", "resnet50", "--weights", "random", "--radii", "4..32");
        Assert.Equal(2, run.ExitCode);
        string line = Assert.Single(Lines(run.Error));
        Assert.Contains("--data: ", line, StringComparison.Ordinal);
        Assert.Contains("freqprobe prepare imagenet-val", line, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(Home, "datasets", "imagenet", "val"), line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_first_use_download_is_one_error_and_leaves_no_file_under_the_final_name()
    {
        using var server = new LocalHttpServer();
        AssetSpec spec = AssetCatalog.Get("resnet18");
        string final = new AssetCache(Home).FinalPath(spec);
        string[] args = { "lowpass", "--model", "resnet18", "--dataset", "synthetic", "--radii", "4", "--limit", "2" };

        // Not on the mirror: HTTP 404 from the real server on 127.0.0.1.
        CliRun missing = CliRun.InvokeWith(Variables(mirror: server.BaseUrl), args);
        Assert.Equal(2, missing.ExitCode);
        string line = Lines(missing.Error).Single(l => l.StartsWith("freqprobe: error:", StringComparison.Ordinal));
        Assert.Contains(server.BaseUrl.TrimEnd('/') + "/" + spec.FileName, line, StringComparison.Ordinal);
        Assert.Contains(final, line, StringComparison.Ordinal);
        Assert.Contains("freqprobe fetch resnet18", line, StringComparison.Ordinal);
        Assert.False(File.Exists(final));

        // On the mirror but corrupt: the checksum fails, and neither the file nor a partial download is kept.
        server.Add(spec.FileName, RandomNumberGenerator.GetBytes(4096));
        CliRun corrupt = CliRun.InvokeWith(Variables(mirror: server.BaseUrl), args);
        Assert.Equal(2, corrupt.ExitCode);
        Assert.Contains("checksum mismatch", corrupt.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(final));
        Assert.False(File.Exists(new AssetCache(Home).PartialPath(spec)));

        // No network at all: a host that does not resolve fails at once, with the same one error.
        CliRun offline = CliRun.InvokeWith(Variables(mirror: "http://freqprobe-test.invalid/models"), args);
        Assert.Equal(2, offline.ExitCode);
        Assert.Contains("http://freqprobe-test.invalid/models/" + spec.FileName, offline.Error, StringComparison.Ordinal);
        Assert.Contains("freqprobe fetch resnet18", offline.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(final));
    }

    [Fact]
    public void A_cifar_architecture_alone_asks_for_weights_and_names_the_trained_models()
    {
        CliRun run = CliRun.InvokeWith(Variables(), "lowpass", "--model", "cifar-resnet20");
        Assert.Equal(2, run.ExitCode);
        string line = Assert.Single(Lines(run.Error));
        Assert.Contains("--weights", line, StringComparison.Ordinal);
        Assert.Contains("models/cifar-resnet20-natural/cifar-resnet20-natural.safetensors", line, StringComparison.Ordinal);
    }
}
