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

    // In the fast loop: 57 images at one radius, split 19/19/19.
    [Fact]
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

    // What Slurm sets in task `task` of `sbatch --array=min-max`.
    static Dictionary<string, string?> SlurmTask(int task, int min, int max) => new()
    {
        ["SLURM_ARRAY_JOB_ID"] = "41", ["SLURM_ARRAY_TASK_ID"] = $"{task}", ["SLURM_ARRAY_TASK_MIN"] = $"{min}",
        ["SLURM_ARRAY_TASK_MAX"] = $"{max}", ["SLURM_ARRAY_TASK_COUNT"] = $"{max - min + 1}", ["SLURM_ARRAY_TASK_STEP"] = "1",
    };

    [Fact]
    [Trait("Speed", "slow")]
    public void Shard_auto_under_a_Slurm_array_merges_into_the_unsharded_run_and_a_lone_re_run_must_name_its_array()
    {
        string[] sweep = { "lowpass", "--radii", "4", "--limit", "20", "--batch-size", "8", "--threads", "2", "--quiet" };
        Assert.Equal(0, CliRun.Invoke(sweep.Concat(new[] { "--out", dir.File("full.csv") }).ToArray()).ExitCode);
        for (int task = 1; task <= 2; task++) // sbatch --array=1-2
        {
            CliRun run = CliRun.InvokeWith(SlurmTask(task, 1, 2), sweep.Concat(new[] { "--shard", "auto", "--out", dir.File($"t{task}.json") }).ToArray());
            Assert.True(run.ExitCode == 0, run.Error);
        }
        Assert.Contains("\"shard\": \"1/2\"", File.ReadAllText(dir.File("t2.json")), StringComparison.Ordinal);
        Assert.Contains("\"scheduler\": \"slurm job 41, array task 2 of 1-2\"", File.ReadAllText(dir.File("t2.json")), StringComparison.Ordinal);
        CliRun merge = CliRun.Invoke("merge", dir.File("t1.json"), dir.File("t2.json"), "--out", dir.File("merged.csv"), "--quiet");
        Assert.True(merge.ExitCode == 0, merge.Error);
        Assert.Equal(File.ReadAllText(dir.File("full.csv")), File.ReadAllText(dir.File("merged.csv")));

        // sbatch --array=2 alone: refused before any work, unless told the first submission's array.
        CliRun lone = CliRun.InvokeWith(SlurmTask(2, 2, 2), sweep.Concat(new[] { "--shard", "auto", "--out", dir.File("lone.json") }).ToArray());
        Assert.Equal(2, lone.ExitCode);
        Assert.Contains("lone array task", lone.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("lone.json")));
        CliRun named = CliRun.InvokeWith(SlurmTask(2, 2, 2), sweep.Concat(new[] { "--shard", "auto/1-2", "--out", dir.File("again.json") }).ToArray());
        Assert.True(named.ExitCode == 0, named.Error);
        Assert.Contains("\"shard\": \"1/2\"", File.ReadAllText(dir.File("again.json")), StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Speed", "slow")]
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
