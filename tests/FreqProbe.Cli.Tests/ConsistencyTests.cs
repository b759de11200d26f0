using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Cli.Tests;

/// <summary>What every command shares: --quiet, the documented exit codes, messages that say what was expected.</summary>
public sealed class ConsistencyTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    static IEnumerable<string> Commands()
    {
        string help = CliRun.Invoke("--help").Out;
        int at = help.IndexOf("Commands:", StringComparison.Ordinal);
        return help[at..].Split('\n').Skip(1).Where(l => l.Length > 2 && l.StartsWith("  ", StringComparison.Ordinal) && l[2] != ' ')
            .Select(l => l.Trim().Split(' ')[0]).Append("prepare imagenet-val");
    }

    [Fact]
    public void Every_command_accepts_quiet_and_the_root_help_lists_the_exit_codes()
    {
        string[] commands = Commands().ToArray();
        Assert.Contains("kernels", commands);
        Assert.Contains("preview", commands);
        foreach (string command in commands)
        {
            CliRun help = CliRun.Invoke(command.Split(' ').Append("--help").ToArray());
            Assert.True(help.ExitCode == 0, command);
            Assert.Contains("--quiet", help.Out, StringComparison.Ordinal);
        }
        string root = CliRun.Invoke("--help").Out;
        Assert.Contains("3 `compare` found a regression", root, StringComparison.Ordinal);
        Assert.Contains("1 internal failure", root, StringComparison.Ordinal);
    }

    [Fact]
    public void Quiet_kernels_and_preview_print_no_table_and_still_write_their_files()
    {
        string csv = dir.File("k.csv");
        CliRun kernels = CliRun.Invoke("kernels", "--layers", "^conv1$", "--out", csv, "--quiet");
        Assert.True(kernels.ExitCode == 0, kernels.Error);
        Assert.Equal("", kernels.Out);
        Assert.Equal(2, File.ReadAllLines(csv).Length);
        CliRun loud = CliRun.Invoke("kernels", "--layers", "^conv1$");
        Assert.Contains("conv1", loud.Out, StringComparison.Ordinal);

        string png = dir.File("p.png");
        CliRun preview = CliRun.Invoke("preview", "--limit", "1", "--radii", "4", "--out", png, "-q");
        Assert.True(preview.ExitCode == 0, preview.Error);
        Assert.Equal("", preview.Out);
        Assert.True(new FileInfo(png).Length > 0);
    }

    [Fact]
    public void Merge_given_csv_shards_says_it_needs_the_json_results()
    {
        string csv = dir.File("s0.csv");
        File.WriteAllText(csv, "model,filter\n");
        CliRun run = CliRun.Invoke("merge", csv, "--out", dir.File("m.csv"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{csv}: merge needs the shards' JSON results", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("invalid start", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_evaluating_command_refuses_a_model_with_fewer_outputs_than_the_dataset_has_classes()
    {
        // One evaluation session checks this for all of them; the heat map once counted every image as an error instead.
        foreach (string[] command in new[]
        {
            new[] { "lowpass", "--radii", "4", "--limit", "2" },
            new[] { "heatmap", "--max-freq", "1", "--limit", "2" },
            new[] { "interactions", "--images", "1", "--pairs", "1", "--contexts", "1", "--limit", "2" },
            new[] { "bench", "--images", "2", "--repeats", "1", "--radii", "4" },
        })
        {
            CliRun run = CliRun.Invoke(command.Concat(new[] { "--model", "cifar-resnet20", "--weights", "random", "--dataset", "synthetic", "--num-classes", "5" }).ToArray());
            Assert.True(run.ExitCode == 2, command[0] + ": " + run.Error);
            Assert.Contains("--num-classes: 5 outputs cannot score dataset 'synthetic' with 10 classes", run.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void Without_a_terminal_long_runs_write_progress_lines_and_quiet_runs_none()
    {
        var often = new Dictionary<string, string?> { ["FREQPROBE_PROGRESS_SECONDS"] = "0" };
        CliRun loud = CliRun.InvokeWith(often, "lowpass", "--radii", "4", "--limit", "30", "--batch-size", "10");
        Assert.True(loud.ExitCode == 0, loud.Error);
        string[] lines = loud.Error.Split('\n').Where(l => l.StartsWith("freqprobe: progress: ", StringComparison.Ordinal)).ToArray();
        Assert.True(lines.Length >= 2, loud.Error);
        Assert.Contains("30/30 images", lines[^1], StringComparison.Ordinal);
        Assert.DoesNotContain("\r", loud.Error, StringComparison.Ordinal);

        CliRun quiet = CliRun.InvokeWith(often, "lowpass", "--radii", "4", "--limit", "30", "--batch-size", "10", "--quiet");
        Assert.DoesNotContain("progress:", quiet.Error, StringComparison.Ordinal);
        CliRun usual = CliRun.Invoke("lowpass", "--radii", "4", "--limit", "30", "--batch-size", "10");
        Assert.DoesNotContain("progress:", usual.Error, StringComparison.Ordinal); // a minute between lines by default
    }
}
