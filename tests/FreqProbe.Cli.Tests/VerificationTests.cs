using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FreqProbe.Core.Models;
using FreqProbe.Core.Tests.Support;
using TorchSharp.PyBridge;

namespace FreqProbe.Cli.Tests;

/// <summary>
/// Execution paths are verified on the machine before a run uses them: what users run matches PyTorch, a faulty
/// backend (simulated here in a child freqprobe process, FREQPROBE_SIMULATE_FAULT) is refused or avoided and never
/// crashes the run, and results, merges and doctor show the path.
/// </summary>
public sealed class VerificationTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    // freqprobe in its own process, with its own home and the given fault.
    CliRun Process(string? fault, params string[] args)
    {
        using Process process = Interrupted.Start(args, new Dictionary<string, string?> { ["FREQPROBE_HOME"] = dir.File("home"), ["FREQPROBE_SIMULATE_FAULT"] = fault });
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return new CliRun(process.ExitCode, output, error.GetAwaiter().GetResult());
    }

    static readonly string[] Small = { "lowpass", "--model", "cifar-resnet18", "--weights", "random", "--dataset", "synthetic", "--limit", "6", "--radii", "4,8", "--engine", "torch", "--quiet" };

    static string[] With(params string[] extra) => Small.Concat(extra).ToArray();

    static JsonElement Run(string resultFile) => JsonDocument.Parse(File.ReadAllText(resultFile)).RootElement.GetProperty("run").Clone();

    string VerdictFiles() => string.Join("\n", Directory.GetFiles(Path.Combine(dir.File("home"), "verified"), "*.json").Select(File.ReadAllText));

    [Fact]
    [Trait("Speed", "slow")]
    public void A_wrong_channels_last_kernel_is_refused_when_asked_for_and_avoided_by_default_with_the_reference_numbers()
    {
        CliRun refused = Process("wrong", With("--layout", "nhwc", "--out", dir.File("refused.json")));
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--layout: 'nhwc' at fp32 cannot be used on this machine: layer conv1, conv 3→64 3×3 stride 1 padding 1", refused.Error, StringComparison.Ordinal);
        Assert.Contains("channels-last (nhwc) computes wrong numbers (max |error| 1 > 0.001)", refused.Error, StringComparison.Ordinal);
        Assert.Contains("--layout auto", refused.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("refused.json")));

        CliRun avoided = Process("wrong", With("--out", dir.File("auto.json"), "--predictions", dir.File("auto.csv")));
        Assert.True(avoided.ExitCode == 0, avoided.Error);
        CliRun reference = Process(null, With("--layout", "nchw", "--out", dir.File("nchw.json"), "--predictions", dir.File("nchw.csv")));
        Assert.True(reference.ExitCode == 0, reference.Error);
        Assert.Equal(File.ReadAllText(dir.File("nchw.csv")), File.ReadAllText(dir.File("auto.csv")));
        // Every 3x3 layer fails channels-last: the network runs channels-first throughout.
        Assert.Equal("cpu fp32 nchw", Run(dir.File("auto.json")).GetProperty("execution_path").GetString());
        Assert.Equal("nchw", Run(dir.File("auto.json")).GetProperty("layout").GetString());
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void A_crashing_kernel_takes_down_the_check_not_the_run_and_1x1_layers_become_matrix_products()
    {
        CliRun run = Process("crash-1x1", With("--layout", "nhwc", "--out", dir.File("r.json"), "--predictions", dir.File("r.csv")));
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("crashed: killed by SIGFPE (exit 136)", VerdictFiles(), StringComparison.Ordinal);
        Assert.Equal("cpu fp32 nhwc; 1x1 as matrix products: 3", Run(dir.File("r.json")).GetProperty("execution_path").GetString());
        CliRun reference = Process(null, With("--layout", "nchw", "--predictions", dir.File("nchw.csv")));
        Assert.True(reference.ExitCode == 0, reference.Error);
        string[] a = File.ReadAllLines(dir.File("r.csv")), b = File.ReadAllLines(dir.File("nchw.csv"));
        Assert.Equal(b.Length, a.Length);
        for (int i = 1; i < a.Length; i++)
        {
            string[] x = a[i].Split(','), y = b[i].Split(',');
            Assert.Equal(y[..5], x[..5]);
            Assert.True(Math.Abs(double.Parse(x[5], CultureInfo.InvariantCulture) - double.Parse(y[5], CultureInfo.InvariantCulture)) < 1e-5, $"{a[i]} vs {b[i]}");
        }

        CliRun doctor = Process("crash-1x1", "doctor");
        Assert.True(doctor.ExitCode == 0, doctor.Error);
        Assert.Contains("FREQPROBE_SIMULATE_FAULT=crash-1x1", doctor.Out, StringComparison.Ordinal);
        Assert.Contains("ChannelsLast fp32 CRASHED 3", doctor.Out, StringComparison.Ordinal);
        Assert.Contains("CRASHED  conv n18 c64 o128 k1x1 s2", doctor.Out, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void A_kernel_whose_backward_pass_is_wrong_serves_forward_passes_but_never_a_gradient()
    {
        string[] sensitivity = { "sensitivity", "--model", "cifar-resnet18", "--weights", "random", "--dataset", "synthetic", "--limit", "6", "--quiet" };
        CliRun refused = Process("wrong-gradient", sensitivity.Concat(new[] { "--layout", "nhwc", "--out", dir.File("refused.json") }).ToArray());
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--layout: 'nhwc' at fp32 cannot be used on this machine: layer conv1", refused.Error, StringComparison.Ordinal);
        Assert.Contains("channels-last (nhwc), in its gradient with respect to the input, computes wrong numbers", refused.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("refused.json")));

        // By default the run takes channels-first, whose gradient verifies, and gives the channels-first numbers.
        CliRun avoided = Process("wrong-gradient", sensitivity.Concat(new[] { "--out", dir.File("auto.json") }).ToArray());
        Assert.True(avoided.ExitCode == 0, avoided.Error);
        Assert.Equal("cpu fp32 nchw; input gradients", Run(dir.File("auto.json")).GetProperty("execution_path").GetString());
        CliRun reference = Process(null, sensitivity.Concat(new[] { "--layout", "nchw", "--out", dir.File("nchw.json") }).ToArray());
        Assert.True(reference.ExitCode == 0, reference.Error);
        string Sums(string path) => JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("map_sums").GetRawText();
        Assert.Equal(Sums(dir.File("nchw.json")), Sums(dir.File("auto.json")));

        // The forward pass of the same kernel is right, and filter runs keep using it.
        CliRun forward = Process("wrong-gradient", With("--out", dir.File("lowpass.json")));
        Assert.True(forward.ExitCode == 0, forward.Error);
        Assert.StartsWith("cpu fp32 nhwc", Run(dir.File("lowpass.json")).GetProperty("execution_path").GetString(), StringComparison.Ordinal);
    }

    // The acceptance check at default settings: against a PyTorch 1.13 loop (scripts/make_execution_fixtures.py),
    // cifar-resnet18 on the first 64 CIFAR-10 test images, clean and low/high-passed at 4, 8 and 16.
    [Cifar10Fact]
    [Trait("Speed", "slow")]
    public void Cifar_resnet18_on_64_CIFAR_images_matches_PyTorch_at_default_settings()
    {
        string weights = dir.File("r18.safetensors");
        using (var model = ModelRegistry.Get("cifar-resnet18").Create(10))
        {
            HashedWeights.Fill(model);
            model.save_safetensors(weights);
        }
        using JsonDocument fixture = JsonDocument.Parse(File.ReadAllText(SharedData.Fixture("cifar_resnet18_cifar10.json")));
        var expected = new Dictionary<(string, string, int), (int Pred, double Prob)>();
        foreach (JsonElement c in fixture.RootElement.GetProperty("cases").EnumerateArray())
        {
            string filter = c.GetProperty("filter").GetString()!;
            string radius = c.GetProperty("radius").ValueKind == JsonValueKind.Null ? "" : c.GetProperty("radius").GetDouble().ToString(CultureInfo.InvariantCulture);
            int[] pred = c.GetProperty("pred").EnumerateArray().Select(p => p.GetInt32()).ToArray();
            double[] prob = c.GetProperty("prob").EnumerateArray().Select(p => p.GetDouble()).ToArray();
            for (int i = 0; i < pred.Length; i++) expected[(filter, radius, i)] = (pred[i], prob[i]);
        }
        double worst = 0;
        int compared = 0;
        foreach (string command in new[] { "lowpass", "highpass" })
        {
            string predictions = dir.File($"{command}.csv");
            CliRun run = CliRun.Invoke(command, "--model", "cifar-resnet18", "--weights", weights, "--dataset", "cifar10", "--data", SharedData.Cifar10,
                "--limit", "64", "--radii", "4,8,16", "--quiet", "--predictions", predictions);
            Assert.True(run.ExitCode == 0, run.Error);
            foreach (string line in File.ReadLines(predictions).Skip(1))
            {
                string[] f = line.Split(',');
                (int pred, double prob) = expected[(f[2], f[3], int.Parse(f[0], CultureInfo.InvariantCulture))];
                Assert.True(pred == int.Parse(f[4], CultureInfo.InvariantCulture), $"{line}: PyTorch predicts {pred}");
                worst = Math.Max(worst, Math.Abs(prob - double.Parse(f[5], CultureInfo.InvariantCulture)));
                compared++;
            }
        }
        Assert.Equal(64 * 8, compared); // the unfiltered row in both runs
        Assert.True(worst < 2e-4, $"max |delta probability| {worst}");
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void Merge_refuses_shards_that_ran_different_execution_paths()
    {
        string[] sweep = { "lowpass", "--radii", "2,4", "--limit", "12", "--threads", "2", "--quiet" };
        Assert.Equal(0, CliRun.Invoke(sweep.Concat(new[] { "--shard", "0/2", "--out", dir.File("s0.json") }).ToArray()).ExitCode);
        CliRun other = CliRun.Invoke(sweep.Concat(new[] { "--shard", "1/2", "--layout", "nchw", "--out", dir.File("s1.json") }).ToArray());
        Assert.True(other.ExitCode == 0, other.Error);
        string path0 = Run(dir.File("s0.json")).GetProperty("execution_path").GetString()!;
        Assert.Equal("cpu fp32 nchw", Run(dir.File("s1.json")).GetProperty("execution_path").GetString());
        Assert.NotEqual("cpu fp32 nchw", path0); // cifar-resnet20's channels-last kernels verify here
        CliRun merge = CliRun.Invoke("merge", dir.File("s0.json"), dir.File("s1.json"), "--out", dir.File("m.csv"));
        Assert.Equal(2, merge.ExitCode);
        Assert.Contains("layout", merge.Error, StringComparison.Ordinal);
        Assert.Contains("cpu fp32 nchw", merge.Error, StringComparison.Ordinal);
    }
}
