using System.Text.Json;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Cli.Tests;

public sealed class InteractionsCommandTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    static string[] Common => new[] { "interactions", "--images", "3", "--pairs", "4", "--contexts", "3", "--threads", "1", "--quiet" };

    static string[] With(params string[] more) => Common.Concat(more).ToArray();

    [Fact]
    [Trait("Speed", "slow")]
    public void Three_shards_merge_into_exactly_the_unsharded_run_and_plot_draws_them_with_another()
    {
        string whole = dir.File("whole.csv");
        CliRun run = CliRun.Invoke(With("--players", "bands", "--band-count", "10", "--out", whole, "--out", dir.File("whole.json"), "--out", dir.File("whole.png")));
        Assert.True(run.ExitCode == 0, run.Error);
        for (int k = 0; k < 3; k++)
        {
            run = CliRun.Invoke(With("--players", "bands", "--band-count", "10", "--shard", $"{k}/3", "--out", dir.File($"s{k}.json")));
            Assert.True(run.ExitCode == 0, run.Error);
        }
        string merged = dir.File("merged.csv");
        run = CliRun.Invoke("merge", dir.File("s2.json"), dir.File("s0.json"), dir.File("s1.json"), "--out", merged);
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal(File.ReadAllText(whole), File.ReadAllText(merged));

        string[] lines = File.ReadAllLines(whole);
        Assert.Equal("model,weights,players,n,value,order,order_ratio,pairs,contexts,mean_abs_interaction,strength_j,strength_j_low,strength_j_high,mean_interaction", lines[0]);
        int[] orders = lines.Skip(1).Select(l => int.Parse(l.Split(',')[5], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(new[] { 0, 1, 2, 3, 4, 5, 6, 7, 8 }, orders); // int(8 * rho) over the paper's ratios
        double meanJ = lines.Skip(1).Average(l => double.Parse(l.Split(',')[10], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(1.0, meanJ, 12); // J is normalised by its mean over the orders

        using (JsonDocument doc = JsonDocument.Parse(File.ReadAllText(dir.File("whole.json"))))
        {
            JsonElement root = doc.RootElement;
            Assert.Equal("freqprobe-interactions/1", root.GetProperty("format").GetString());
            Assert.Equal(3, root.GetProperty("images").GetArrayLength());
            Assert.Equal(10, root.GetProperty("players").GetProperty("n").GetInt32());
            Assert.Contains("annular bands", root.GetProperty("run").GetProperty("filter_convention").GetString(), StringComparison.Ordinal);
        }
        Assert.True(TestImages.Size(dir.File("whole.png")).Width > 100);

        run = CliRun.Invoke(With("--out", dir.File("patches.json")));
        Assert.True(run.ExitCode == 0, run.Error);
        run = CliRun.Invoke("plot", dir.File("whole.json"), dir.File("patches.json"), "--out", dir.File("both.svg"));
        Assert.True(run.ExitCode == 0, run.Error);
        string svg = File.ReadAllText(dir.File("both.svg"));
        Assert.Contains("bands n=10", svg, StringComparison.Ordinal);
        Assert.Contains("patches n=64", svg, StringComparison.Ordinal);
        run = CliRun.Invoke("plot", dir.File("whole.json"), whole, "--out", dir.File("mixed.png"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("mix interaction results", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void Merge_refuses_shards_sampled_differently_and_a_missing_shard()
    {
        Assert.Equal(0, CliRun.Invoke(With("--shard", "0/3", "--out", dir.File("a.json"))).ExitCode);
        string[] other = With("--shard", "1/3", "--out", dir.File("b.json")).Select(a => a == "4" ? "5" : a).ToArray();
        Assert.Equal(0, CliRun.Invoke(other).ExitCode);
        CliRun run = CliRun.Invoke("merge", dir.File("a.json"), dir.File("b.json"), "--out", dir.File("m.json"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("pairs (5 vs 4)", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("contexts (", run.Error, StringComparison.Ordinal);
        Assert.Contains("missing shard(s) 2/3", run.Error, StringComparison.Ordinal);
    }

    // An option of the other player kind would be recorded in the results and ignored.
    [Fact]
    public void An_option_of_the_other_player_kind_is_refused()
    {
        CliRun bands = CliRun.Invoke("interactions", "--players", "bands", "--grid", "40", "--out", dir.File("b.json"));
        Assert.Equal(2, bands.ExitCode);
        Assert.Contains("--grid: 40 sets patches, but --players is bands", bands.Error, StringComparison.Ordinal);
        CliRun patches = CliRun.Invoke("interactions", "--band-count", "4", "--out", dir.File("p.json"));
        Assert.Equal(2, patches.ExitCode);
        Assert.Contains("--band-count: 4 sets bands, but --players is patches", patches.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("b.json")) || File.Exists(dir.File("p.json")));
    }

    [Fact]
    public void Bad_settings_are_all_reported_at_once_with_exit_2_and_nothing_written()
    {
        string target = dir.File("never.json");
        CliRun run = CliRun.Invoke("interactions", "--images", "0", "--pairs", "0", "--grid", "40", "--orders", "0,2", "--out", target, "--out", dir.File("x.txt"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--images: 0 must be 1 or more.", run.Error, StringComparison.Ordinal);
        Assert.Contains("--pairs: 0 must be 1 or more.", run.Error, StringComparison.Ordinal);
        Assert.Contains("--grid: 40 must be between 2 and the input size 32.", run.Error, StringComparison.Ordinal);
        Assert.Contains("--orders: '2' in '0,2' is not a ratio between 0 and 1", run.Error, StringComparison.Ordinal);
        Assert.Contains("--out: '" + dir.File("x.txt") + "' must end in .csv, .json, .png or .svg.", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(target));

        run = CliRun.Invoke("interactions", "--players", "pixels");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("pixels", run.Error, StringComparison.Ordinal);
        run = CliRun.Invoke("interactions", "--players", "bands", "--band-count", "500");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--band-count: 500 bands on a 32x32 input leave band", run.Error, StringComparison.Ordinal);
    }

    // Issue 32 #6: the cost is planned before any work, and what cannot finish or fit is refused with its numbers.
    [Theory]
    [InlineData("--contexts", "1000000000", "forwards; expected at most 2,147,483,647 per run")]
    [InlineData("--images", "2000000000", "forwards; expected at most 2,147,483,647 per run")]
    public void A_plan_that_cannot_finish_is_refused_before_any_work(string option, string value, string expected)
    {
        CliRun run = CliRun.Invoke("interactions", option, value, "--quiet", "--out", dir.File("i.json"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(expected, run.Error, StringComparison.Ordinal);
        Assert.Contains(option, run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("i.json")));
    }

    [Fact]
    public void Help_teaches_the_definitions_and_the_cost()
    {
        CliRun run = CliRun.Invoke("interactions", "--help");
        Assert.Equal(0, run.ExitCode);
        foreach (string text in new[] { "dv(i,j,S) = v(S+{i,j}) - v(S+{i}) - v(S+{j}) + v(S)", "J^(m)", "--players", "--band-count", "--contexts", "4.2 M" })
        {
            Assert.Contains(text, run.Out, StringComparison.Ordinal);
        }
    }
}
