using System.Text.Json;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Cli.Tests;

public sealed class HeatmapCommandTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    static string[] Common => new[] { "heatmap", "--limit", "7", "--max-freq", "2", "--eps", "10", "--threads", "1", "--quiet" };

    [Fact]
    [Trait("Speed", "slow")]
    public void Three_shards_merge_into_exactly_the_unsharded_heat_map()
    {
        string whole = dir.File("whole.csv");
        CliRun run = CliRun.Invoke(Common.Concat(new[] { "--out", whole, "--out", dir.File("whole.png"), "--batch-size", "3" }).ToArray());
        Assert.True(run.ExitCode == 0, run.Error);
        for (int k = 0; k < 3; k++)
        {
            run = CliRun.Invoke(Common.Concat(new[] { "--shard", $"{k}/3", "--out", dir.File($"s{k}.json") }).ToArray());
            Assert.True(run.ExitCode == 0, run.Error);
        }
        string merged = dir.File("merged.csv");
        run = CliRun.Invoke("merge", dir.File("s0.json"), dir.File("s1.json"), dir.File("s2.json"), "--out", merged);
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal(File.ReadAllText(whole), File.ReadAllText(merged));

        // 32 rows and columns plus headers; only |u|, |v| <= 2 filled.
        string[] lines = File.ReadAllLines(whole);
        Assert.Equal(33, lines.Length);
        Assert.Equal(25, lines.Skip(1).SelectMany(l => l.Split(',').Skip(1)).Count(c => c.Length > 0));
        Assert.Equal((720, 620), TestImages.Size(dir.File("whole.png")));
        using JsonDocument shard = JsonDocument.Parse(File.ReadAllText(dir.File("s1.json")));
        Assert.Equal("1/3", shard.RootElement.GetProperty("run").GetProperty("shard").GetString());
    }

    [Fact]
    public void Merge_refuses_heat_maps_with_different_epsilon_and_a_missing_shard()
    {
        Assert.Equal(0, CliRun.Invoke(Common.Concat(new[] { "--shard", "0/3", "--out", dir.File("a.json") }).ToArray()).ExitCode);
        string[] other = Common.Select(a => a == "10" ? "11" : a).ToArray();
        Assert.Equal(0, CliRun.Invoke(other.Concat(new[] { "--shard", "1/3", "--out", dir.File("b.json") }).ToArray()).ExitCode);
        CliRun run = CliRun.Invoke("merge", dir.File("a.json"), dir.File("b.json"), "--out", dir.File("m.csv"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("eps (11 vs 10)", run.Error, StringComparison.Ordinal);
        Assert.Contains("missing shard(s) 2/3", run.Error, StringComparison.Ordinal);
    }
}
