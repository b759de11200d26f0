using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Cli.Tests;

/// <summary>ONNX models and the onnxruntime engine through the commands, on the files of scripts/make_onnx_fixtures.py.</summary>
public sealed class OnnxCommandTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    static string Fixture(string model) => SharedData.Fixture($"onnx/{model}.onnx");

    static JsonElement Expected(string model) =>
        JsonDocument.Parse(File.ReadAllText(SharedData.Fixture("onnx/expected.json"))).RootElement.GetProperty("models").GetProperty(model);

    // (index, filter, radius) -> pred
    static Dictionary<(int, string, string), int> Predictions(string path) =>
        File.ReadLines(path).Skip(1).Select(l => l.Split(','))
            .ToDictionary(f => (int.Parse(f[0], CultureInfo.InvariantCulture), f[2], f[3]), f => int.Parse(f[4], CultureInfo.InvariantCulture));

    void AssertPredictionsMatchPyTorch(string model, string data)
    {
        JsonElement expected = Expected(model);
        int[] radii = expected.GetProperty("radii").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        int images = expected.GetProperty("labels").GetArrayLength();
        string predictions = dir.File(model + ".csv");
        CliRun run = CliRun.Invoke("lowpass", "--weights", Fixture(model), "--data", data, "--limit", images.ToString(CultureInfo.InvariantCulture),
            "--radii", string.Join(',', radii), "--predictions", predictions, "--threads", "2", "-q");
        Assert.True(run.ExitCode == 0, model + ": " + run.Error);
        Dictionary<(int, string, string), int> actual = Predictions(predictions);
        foreach ((string filter, string radius, string key) in radii.Select(r => ("lowpass", r.ToString(CultureInfo.InvariantCulture), $"lowpass:{r}")).Prepend(("none", "", "none")))
        {
            int[] want = expected.GetProperty("predictions").GetProperty(key).EnumerateArray().Select(e => e.GetInt32()).ToArray();
            int[] got = Enumerable.Range(0, images).Select(i => actual[(i, filter, radius)]).ToArray();
            Assert.True(want.SequenceEqual(got), $"{model} {key}: FreqProbe [{string.Join(",", got)}] vs PyTorch [{string.Join(",", want)}]");
        }
    }

    [Cifar10Fact]
    [Trait("Speed", "slow")]
    public void Predictions_clean_and_low_passed_on_real_CIFAR10_images_match_PyTorch_for_a_ViT_a_ConvNeXt_and_a_bottleneck_ResNet()
    {
        foreach (string model in new[] { "tiny-vit", "tiny-convnext", "tiny-bottleneck" }) AssertPredictionsMatchPyTorch(model, SharedData.Cifar10);
    }

    [ImageNetSampleFact]
    [Trait("Speed", "slow")]
    public void Predictions_clean_and_low_passed_on_ImageNet_sample_images_match_PyTorch()
    {
        AssertPredictionsMatchPyTorch("tiny-bottleneck-imagenet", Path.Combine(SharedData.ImageNetSample, "val"));
    }

    [Fact]
    public void Every_evaluating_command_takes_an_onnx_model_recognised_by_its_contents()
    {
        string model = dir.File("net.weights"); // any extension
        File.Copy(Fixture("tiny-bottleneck"), model);
        File.Copy(Path.ChangeExtension(Fixture("tiny-bottleneck"), ".card.json"), dir.File("net.card.json"));
        string[] data = { "--weights", model, "--dataset", "synthetic", "--limit", "4", "-q" };
        foreach (string[] command in new[]
        {
            new[] { "lowpass", "--radii", "4" }, new[] { "highpass", "--radii", "4" }, new[] { "bandpass", "--bands", "0-4" },
            new[] { "heatmap", "--max-freq", "2", "--out", dir.File("h.csv") },
            new[] { "interactions", "--pairs", "2", "--contexts", "2", "--out", dir.File("i.json") },
        })
        {
            CliRun run = CliRun.Invoke([.. command, .. data]);
            Assert.True(run.ExitCode == 0, $"{command[0]}: {run.Error}");
        }
        CliRun bench = CliRun.Invoke("bench", "--weights", model, "--dataset", "synthetic", "--images", "4", "--repeats", "1", "-q");
        Assert.True(bench.ExitCode == 0, bench.Error);
        CliRun preview = CliRun.Invoke("preview", "--weights", model, "--dataset", "synthetic", "--limit", "2", "--radii", "4", "--out", dir.File("p.png"), "-q");
        Assert.True(preview.ExitCode == 0, preview.Error);
        CliRun kernels = CliRun.Invoke("kernels", "--weights", model, "--out", dir.File("k.csv"), "-q");
        Assert.True(kernels.ExitCode == 0, kernels.Error);
        Assert.Contains("/conv1/Conv,16,3,3", File.ReadAllText(dir.File("k.csv")), StringComparison.Ordinal);
        CliRun result = CliRun.Invoke("lowpass", "--weights", model, "--dataset", "synthetic", "--limit", "4", "--radii", "4", "--out", dir.File("r.json"), "-q");
        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("cpu fp32 onnxruntime 1.32", JsonDocument.Parse(File.ReadAllText(dir.File("r.json"))).RootElement.GetProperty("run").GetProperty("execution_path").GetString(),
            StringComparison.Ordinal);
    }

    [Fact]
    public void What_ONNX_Runtime_cannot_do_is_refused_before_any_image_is_read_with_exit_2()
    {
        string model = Fixture("tiny-bottleneck");
        (string[] Args, string Message)[] cases =
        {
            (new[] { "sensitivity", "--out", dir.File("s.json") }, "is an ONNX model, which ONNX Runtime runs for inference only: it has no gradient with respect to its input"),
            (new[] { "lowpass", "--engine", "torch" }, "'torch': '" + model + "' is an ONNX model, which ONNX Runtime runs"),
            (new[] { "lowpass", "--precision", "bf16" }, "runs in ONNX Runtime at fp32 only"),
            (new[] { "lowpass", "--input-size", "48" }, $"'{model}' takes images of 32 x 32, but the run feeds 48 x 48"),
            (new[] { "lowpass", "--num-classes", "12" }, $"'{model}' returns logits [N, 10]; expected [N, 12] (--num-classes)"),
        };
        foreach ((string[] args, string message) in cases)
        {
            CliRun run = CliRun.Invoke([.. args, "--weights", model, "--dataset", "synthetic", "--limit", "4"]);
            Assert.True(run.ExitCode == 2, $"{string.Join(' ', args)}: exit {run.ExitCode}: {run.Error}");
            Assert.Contains(message, run.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Hostile_onnx_files_are_refused_with_exit_2_naming_the_file()
    {
        byte[] whole = File.ReadAllBytes(Fixture("tiny-bottleneck"));
        string truncated = dir.File("cut.onnx");
        File.WriteAllBytes(truncated, whole[..(whole.Length / 3)]);
        CliRun cut = CliRun.Invoke("lowpass", "--weights", truncated, "--dataset", "synthetic", "--input-size", "32", "--mean", "none", "--std", "none", "--num-classes", "10", "--limit", "4");
        Assert.Equal(2, cut.ExitCode);
        Assert.Contains($"'{truncated}' is a damaged ONNX model", cut.Error, StringComparison.Ordinal);
        string notOnnx = dir.File("fake.onnx");
        File.WriteAllText(notOnnx, "this is not a model");
        CliRun fake = CliRun.Invoke("lowpass", "--model", "onnx", "--weights", notOnnx, "--dataset", "synthetic", "--limit", "4");
        Assert.Equal(2, fake.ExitCode);
        Assert.Contains(notOnnx, fake.Error, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void A_native_ResNet_runs_in_either_engine_with_the_same_predictions_and_the_engines_agreement_is_verified()
    {
        string weights = Path.Combine(SharedData.RepositoryRoot, "models", "synthetic", "cifar-resnet20-synthetic.safetensors");
        string[] common = { "--weights", weights, "--dataset", "synthetic", "--limit", "96", "--radii", "2,6,10", "-q" };
        var home = new Dictionary<string, string?> { ["FREQPROBE_HOME"] = dir.File("home") };
        CliRun ort = CliRun.InvokeWith(home, ["lowpass", .. common, "--out", dir.File("ort.json"), "--predictions", dir.File("ort.csv")]);
        Assert.True(ort.ExitCode == 0, ort.Error);
        CliRun torch = CliRun.InvokeWith(home, ["lowpass", .. common, "--engine", "torch", "--out", dir.File("torch.json"), "--predictions", dir.File("torch.csv")]);
        Assert.True(torch.ExitCode == 0, torch.Error);
        JsonElement ortRun = JsonDocument.Parse(File.ReadAllText(dir.File("ort.json"))).RootElement.GetProperty("run");
        Assert.StartsWith("cpu fp32 onnxruntime", ortRun.GetProperty("execution_path").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("onnxruntime", JsonDocument.Parse(File.ReadAllText(dir.File("torch.json"))).RootElement.GetProperty("run").GetProperty("execution_path").GetString(),
            StringComparison.Ordinal);
        Assert.Equal(Predictions(dir.File("torch.csv")), Predictions(dir.File("ort.csv")));
        // The verdict that let ONNX Runtime run: its graph against libtorch in float64, recorded for doctor.
        CliRun doctor = CliRun.InvokeWith(home, "doctor");
        Assert.Contains("model fp32 onnxruntime ok 1", doctor.Out, StringComparison.Ordinal);
        Assert.Contains("telemetry off (ORT_DISABLE_TELEMETRY=1", doctor.Out, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void An_onnxruntime_graph_that_does_not_verify_is_refused_and_auto_runs_libtorch_instead()
    {
        string weights = Path.Combine(SharedData.RepositoryRoot, "models", "synthetic", "cifar-resnet20-synthetic.safetensors");
        string[] common = { "lowpass", "--weights", weights, "--dataset", "synthetic", "--limit", "8", "--radii", "4" };
        // The fault is read from the process environment, by the network and by the verification child: a process of its own.
        using var start = Interrupted.Start([.. common, "--engine", "onnxruntime"], new Dictionary<string, string?> { ["FREQPROBE_HOME"] = dir.File("home"), ["FREQPROBE_SIMULATE_FAULT"] = "onnxruntime-wrong" });
        string error = start.StandardError.ReadToEnd();
        start.WaitForExit();
        Assert.Equal(2, start.ExitCode);
        Assert.Contains("onnxruntime cannot be used on this machine", error, StringComparison.Ordinal);
        Assert.Contains("in ONNX Runtime at fp32 computes wrong numbers (max |error| 0.01 > 0.001)", error, StringComparison.Ordinal);
        using var auto = Interrupted.Start([.. common, "--out", dir.File("auto.json")], new Dictionary<string, string?> { ["FREQPROBE_HOME"] = dir.File("home"), ["FREQPROBE_SIMULATE_FAULT"] = "onnxruntime-wrong" });
        string autoError = auto.StandardError.ReadToEnd();
        auto.WaitForExit();
        Assert.True(auto.ExitCode == 0, autoError);
        Assert.Contains("does not verify on this machine; running it in libtorch", autoError, StringComparison.Ordinal);
        Assert.DoesNotContain("onnxruntime", JsonDocument.Parse(File.ReadAllText(dir.File("auto.json"))).RootElement.GetProperty("run").GetProperty("execution_path").GetString(),
            StringComparison.Ordinal);
    }

    // What ONNX Runtime 1.32 reads as "running in CI, telemetry off" (found in libonnxruntime.so and checked one by one:
    // CI=false and an empty CI do not count), and its own switch: removed from the watched runs' environment.
    static readonly string[] OrtCiMarkers =
    [
        "CI", "TF_BUILD", "GITHUB_ACTIONS", "GITLAB_CI", "CIRCLECI", "TRAVIS", "JENKINS_URL", "CODEBUILD_BUILD_ID", "BUILDKITE",
        "TEAMCITY_VERSION", "APPVEYOR", "BITBUCKET_BUILD_NUMBER", "ORT_DISABLE_TELEMETRY",
    ];

    // Runs freqprobe on an ONNX model with HOME pointed at an empty folder, under strace where it is installed, until
    // `enough` holds for what it did so far, it exits, or `longest` passes (then stops it): what the process left in HOME,
    // whether it sent a DNS query, and how long it ran.
    (string[] HomeEntries, bool? NameLookup, TimeSpan Ran) RunWatched(string name, string? fault, TimeSpan longest, Func<string[], bool?, bool> enough)
    {
        string home = dir.File(name + "-home"), cache = dir.File(name + "-cache");
        Directory.CreateDirectory(home);
        string? strace = new[] { "/usr/bin/strace", "/bin/strace" }.FirstOrDefault(File.Exists);
        string trace = dir.File(name + ".trace");
        var start = new ProcessStartInfo(strace ?? "dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        if (strace is not null)
        {
            foreach (string arg in new[] { "-f", "-e", "trace=connect,sendto,sendmsg", "-o", trace, "dotnet" }) start.ArgumentList.Add(arg);
        }
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "freqprobe.dll"));
        foreach (string arg in new[] { "lowpass", "--weights", Fixture("tiny-bottleneck"), "--dataset", "synthetic", "--split", "train", "--radii", "1..16", "--threads", "1", "-q" })
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["HOME"] = home;
        start.Environment["FREQPROBE_HOME"] = cache;
        start.Environment["XDG_CACHE_HOME"] = null;
        start.Environment["FREQPROBE_SIMULATE_FAULT"] = fault;
        // A user's workstation, not a CI runner: ONNX Runtime keeps telemetry off by itself where it sees one of these.
        foreach (string marker in OrtCiMarkers) start.Environment.Remove(marker);
        string[] Entries() => Directory.EnumerateFileSystemEntries(home, "*", SearchOption.AllDirectories).Select(e => Path.GetRelativePath(home, e)).Order().ToArray();
        bool? Lookup()
        {
            if (strace is null) return null;
            if (!File.Exists(trace)) return false;
            using var reader = new StreamReader(new FileStream(trace, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            string text = reader.ReadToEnd();
            return text.Contains("htons(53)", StringComparison.Ordinal) || text.Contains("nscd/socket", StringComparison.Ordinal);
        }
        var clock = Stopwatch.StartNew();
        using Process process = Process.Start(start)!;
        process.StandardOutput.ReadToEndAsync();
        process.StandardError.ReadToEndAsync();
        while (!process.WaitForExit(250) && clock.Elapsed < longest && !enough(Entries(), Lookup())) { }
        TimeSpan ran = clock.Elapsed;
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        return (Entries(), Lookup(), ran);
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void ONNX_Runtime_writes_nothing_in_HOME_and_looks_up_no_name_and_the_check_would_see_it_if_it_did()
    {
        // With telemetry left on (the simulated fault skips the setenv) ONNX Runtime writes its database in HOME and, where
        // strace can see it, looks up its upload host (about 6 s in on the machine this was written on): wait up to
        // 90 s for both, so the check is shown to see them however slow the machine.
        string telemetryFolder = Path.Combine(".cache", "Microsoft", "DeveloperTools", ".onnxruntime");
        (string[] leaky, bool? leakyLookup, TimeSpan leakyRan) = RunWatched("leaky", "onnxruntime-telemetry", TimeSpan.FromSeconds(90),
            (entries, lookup) => entries.Contains(telemetryFolder) && lookup != false);
        Assert.True(leaky.Contains(telemetryFolder),
            $"with telemetry on, ONNX Runtime wrote no {telemetryFolder} in HOME in {leakyRan.TotalSeconds:0} s (the CI markers it reads were removed); "
            + "variables in this environment: " + string.Join(" ", Environment.GetEnvironmentVariables().Keys.Cast<string>().Order()));
        if (leakyLookup is not null) Assert.True(leakyLookup, $"no DNS query seen with telemetry on in {leakyRan.TotalSeconds:0} s");
        // Telemetry off: the same run, for at least as long as the leaky one took to show both, plus a margin.
        TimeSpan window = TimeSpan.FromSeconds(Math.Max(12, leakyRan.TotalSeconds + 6));
        (string[] clean, bool? cleanLookup, _) = RunWatched("clean", null, window, (_, _) => false);
        Assert.True(clean.Length == 0, "written in HOME: " + string.Join(", ", clean));
        if (cleanLookup is not null) Assert.False(cleanLookup, "a DNS query was sent with telemetry off");
    }
}
