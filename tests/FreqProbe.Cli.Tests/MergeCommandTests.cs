using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Cli.Tests;

public sealed class MergeCommandTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    CliRun Sweep(string output, params string[] extra) => CliRun.Invoke(new[]
    {
        "lowpass", "--radii", "2,4,8", "--limit", "57", "--per-class", "--batch-size", "16", "--threads", "2", "--quiet", "--out", output,
    }.Concat(extra).ToArray());

    [Fact]
    [Trait("Speed", "slow")]
    public void Three_shards_merged_equal_the_unsharded_run_field_for_field()
    {
        Assert.Equal(0, Sweep(dir.File("full.csv")).ExitCode);
        for (int k = 0; k < 3; k++) Assert.Equal(0, Sweep(dir.File($"s{k}.json"), "--shard", $"{k}/3").ExitCode);
        CliRun merge = CliRun.Invoke("merge", dir.File("s2.json"), dir.File("s0.json"), dir.File("s1.json"), "--out", dir.File("merged.csv"), "--quiet");
        Assert.True(merge.ExitCode == 0, merge.Error);
        Assert.Equal(File.ReadAllText(dir.File("full.csv")), File.ReadAllText(dir.File("merged.csv")));
        // Shards really are partial: 57 images split 19/19/19.
        Assert.Contains("\"evaluated\": 19", File.ReadAllText(dir.File("s1.json")), StringComparison.Ordinal);
    }

    [Fact]
    public void Merge_refuses_missing_repeated_and_mismatched_shards()
    {
        for (int k = 0; k < 3; k++) Assert.Equal(0, Sweep(dir.File($"s{k}.json"), "--shard", $"{k}/3").ExitCode);

        CliRun missing = CliRun.Invoke("merge", dir.File("s0.json"), dir.File("s1.json"), "--out", dir.File("m.csv"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("missing shard(s) 2/3", missing.Error, StringComparison.Ordinal);

        CliRun repeated = CliRun.Invoke("merge", dir.File("s0.json"), dir.File("s1.json"), dir.File("s1.json"), dir.File("s2.json"), "--out", dir.File("m.csv"));
        Assert.Equal(2, repeated.ExitCode);
        Assert.Contains("given twice", repeated.Error, StringComparison.Ordinal);

        Assert.Equal(0, Sweep(dir.File("random.json"), "--shard", "2/3", "--model", "cifar-resnet20", "--weights", "random", "--dataset", "synthetic").ExitCode);
        CliRun mismatched = CliRun.Invoke("merge", dir.File("s0.json"), dir.File("s1.json"), dir.File("random.json"), "--out", dir.File("m.csv"));
        Assert.Equal(2, mismatched.ExitCode);
        Assert.Contains("weights (random vs ", mismatched.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("m.csv")));

        Assert.Equal(0, Sweep(dir.File("full.json")).ExitCode);
        CliRun notShard = CliRun.Invoke("merge", dir.File("s0.json"), dir.File("s1.json"), dir.File("s2.json"), dir.File("full.json"), "--out", dir.File("m.csv"));
        Assert.Equal(2, notShard.ExitCode);
        Assert.Contains("not a shard", notShard.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_shard_spec_is_a_usage_error()
    {
        CliRun run = Sweep(dir.File("x.json"), "--shard", "3/3");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("0 <= K < N", run.Error, StringComparison.Ordinal);
    }
}
