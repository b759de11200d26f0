using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Cli.Tests;

/// <summary>`train --probe-*` as typed, and `plot` on the probe files it writes.</summary>
public sealed class TrainProbeCommandTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    [Trait("Speed", "slow")]
    public void Probes_are_written_every_epoch_and_plot_charts_them()
    {
        string folder = dir.File("run");
        CliRun train = CliRun.Invoke("train", "--model", "cifar-resnet20", "--dataset", "synthetic", "--train-size", "64", "--test-size", "32",
            "--epochs", "2", "--batch-size", "32", "--threads", "2", "--probe-radii", "4..8:4", "--probe-train", "40", "--probe-test", "20",
            "--probe-fprinciple", "--shuffle-labels", "--out", folder, "--name", "m", "--quiet");
        Assert.True(train.ExitCode == 0, train.Error);
        string[] probe = File.ReadAllLines(Path.Combine(folder, "m.probe.csv"));
        Assert.Equal("epoch,split,filter,radius,n,correct,top1", probe[0]);
        Assert.Equal(1 + 2 * 2 * 5, probe.Length); // epochs x splits x (none, low 4, low 8, high 4, high 8)
        Assert.Contains("2,test,highpass,8,20,", string.Join('\n', probe), StringComparison.Ordinal);
        Assert.Contains("\"labels\": \"labels permuted at random (seed 0", File.ReadAllText(Path.Combine(folder, "m.card.json")), StringComparison.Ordinal);

        foreach (string kind in new[] { "probe", "fprinciple" })
        {
            string chart = dir.File(kind + ".png");
            CliRun plot = CliRun.Invoke("plot", Path.Combine(folder, $"m.{kind}.csv"), "--out", chart);
            Assert.True(plot.ExitCode == 0, plot.Error);
            Assert.True(new FileInfo(chart).Length > 10_000, $"{chart} is nearly empty");
        }
        CliRun mixed = CliRun.Invoke("plot", Path.Combine(folder, "m.probe.csv"), Path.Combine(folder, "m.fprinciple.csv"), "--out", dir.File("x.png"));
        Assert.Equal(2, mixed.ExitCode);
        Assert.Contains("mix probe files with fprinciple files", mixed.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--probe-train 50", "--probe-train: sets the size of a probe")]
    [InlineData("--probe-radii 0,8", "--probe-radii: 0 must be above 0")]
    [InlineData("--probe-radii 4 --probe-test 0", "--probe-test: 0 must be at least 1")]
    [InlineData("--probe-fprinciple --probe-train 20000", "expected 2 to 10000")]
    public void Probe_options_that_cannot_work_are_refused_before_training(string options, string message)
    {
        CliRun run = CliRun.Invoke(new[] { "train", "--model", "cifar-resnet20", "--out", dir.File("bad") }.Concat(options.Split(' ')).ToArray());
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.File("bad")));
    }

    [Fact]
    public void A_file_that_is_not_a_probe_file_is_named_by_plot()
    {
        string bad = dir.File("m.probe.csv");
        File.WriteAllText(bad, "epoch,split,filter,radius,n,correct,top1\n1,test,lowpass,four,10,2,0.2\n");
        CliRun plot = CliRun.Invoke("plot", bad, "--out", dir.File("c.png"));
        Assert.Equal(2, plot.ExitCode);
        Assert.Contains($"{bad}, line 2: radius 'four' is not a finite number", plot.Error, StringComparison.Ordinal);
    }
}
