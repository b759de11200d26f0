using System.Text.RegularExpressions;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Core.Tests.Evaluation;

/// <summary>--shard auto under Slurm arrays and Kubernetes Indexed Jobs, with the variables each sets for a task.</summary>
public sealed class ShardSpecTests
{
    // What Slurm 22.05 sets in array task `task` of an array submitted as --array=min-max:step with count tasks.
    static Func<string, string?> Slurm(int task, int min, int max, int count, int step = 1) => new Dictionary<string, string?>
    {
        ["SLURM_ARRAY_JOB_ID"] = "77", ["SLURM_JOB_ID"] = "80", ["SLURM_ARRAY_TASK_ID"] = $"{task}",
        ["SLURM_ARRAY_TASK_MIN"] = $"{min}", ["SLURM_ARRAY_TASK_MAX"] = $"{max}", ["SLURM_ARRAY_TASK_COUNT"] = $"{count}", ["SLURM_ARRAY_TASK_STEP"] = $"{step}",
    }.GetValueOrDefault;

    static Func<string, string?> Kubernetes(int index) =>
        new Dictionary<string, string?> { ["JOB_COMPLETION_INDEX"] = $"{index}", ["HOSTNAME"] = $"sweep-{index}-x7k2p" }.GetValueOrDefault;

    static string Refusal(string text, Func<string, string?> environment) =>
        Assert.Throws<InputException>(() => ShardSpec.Resolve(text, environment)).Message;

    [Theory]
    [InlineData(2, 0, 3, 4, 1, "2/4")]      // --array=0-3
    [InlineData(0, 0, 3, 4, 1, "0/4")]
    [InlineData(16, 1, 16, 16, 1, "15/16")] // --array=1-16 (offset)
    [InlineData(1, 1, 16, 16, 1, "0/16")]
    [InlineData(6, 0, 14, 8, 2, "3/8")]     // --array=0-15:2 (stepped: 0, 2, ..., 14)
    [InlineData(11, 5, 20, 6, 3, "2/6")]    // --array=5-20:3 (5, 8, ..., 20)
    public void A_task_of_a_whole_array_names_its_shard_from_the_arrays_bounds(int task, int min, int max, int count, int step, string expected)
    {
        ShardSpec shard = ShardSpec.Resolve("auto", Slurm(task, min, max, count, step));
        Assert.Equal(expected, shard.ToString());
        Assert.StartsWith($"slurm job 77, array task {task} of {min}-{max}", shard.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_task_of_an_array_gets_a_different_shard_and_together_they_cover_it()
    {
        var shards = Enumerable.Range(0, 8).Select(k => ShardSpec.Resolve("auto", Slurm(3 + 2 * k, 3, 17, 8, 2))).ToList();
        Assert.All(shards, s => Assert.Equal(8, s.Count));
        Assert.Equal(Enumerable.Range(0, 8), shards.Select(s => s.Index));
    }

    [Fact]
    public void A_lone_re_run_task_is_refused_unless_the_array_is_named_and_then_computes_its_first_shard()
    {
        string why = Refusal("auto", Slurm(5, 5, 5, 1)); // sbatch --array=5
        Assert.Contains("lone array task", why, StringComparison.Ordinal);
        Assert.Contains("auto/0-15", why, StringComparison.Ordinal);

        foreach ((string array, Func<string, string?> first, Func<string, string?> again) in new[]
        {
            ("0-15", Slurm(5, 0, 15, 16), Slurm(5, 5, 5, 1)),
            ("16", Slurm(5, 0, 15, 16), Slurm(5, 5, 5, 1)),
            ("1-16", Slurm(5, 1, 16, 16), Slurm(5, 5, 5, 1)),
            ("0-30:2", Slurm(10, 0, 30, 16, 2), Slurm(10, 10, 10, 1)),
        })
        {
            ShardSpec original = ShardSpec.Resolve("auto", first);
            Assert.Equal(original, ShardSpec.Resolve($"auto/{array}", first) with { Source = original.Source });
            ShardSpec rerun = ShardSpec.Resolve($"auto/{array}", again);
            Assert.Equal(original.ToString(), rerun.ToString());
        }
    }

    [Fact]
    public void A_re_run_of_some_tasks_that_is_not_one_stepped_range_is_refused()
    {
        // sbatch --array=3,7,8: three tasks between 3 and 8.
        Assert.Contains("not one evenly stepped range", Refusal("auto", Slurm(7, 3, 8, 3)), StringComparison.Ordinal);
        Assert.Equal("7/16", ShardSpec.Resolve("auto/0-15", Slurm(7, 3, 8, 3)).ToString());
    }

    [Theory]
    [InlineData("auto/0-15", 16)]
    [InlineData("auto/0-30:2", 7)]
    [InlineData("auto/1-16", 0)]
    public void A_task_outside_the_named_array_is_refused(string text, int task)
    {
        Assert.Contains($"task {task} is not one of the array", Refusal(text, Slurm(task, task, task, 1)), StringComparison.Ordinal);
    }

    [Fact]
    public void Kubernetes_indexed_jobs_need_the_total_and_name_their_pod()
    {
        ShardSpec shard = ShardSpec.Resolve("auto/4", Kubernetes(3));
        Assert.Equal("3/4", shard.ToString());
        Assert.Equal("kubernetes indexed job, completion index 3 of 0-3 (pod sweep-3-x7k2p)", shard.Source);
        Assert.Contains("expected auto/N with N = the Job's completions", Refusal("auto", Kubernetes(3)), StringComparison.Ordinal);
        Assert.Contains("task 4 is not one of the array 0-3", Refusal("auto/4", Kubernetes(4)), StringComparison.Ordinal);
    }

    // The documented Indexed Job: its pods, one per completion index, resolve to shards 0..N-1 of N exactly, and the merge
    // Job names those N shard files.
    [Fact]
    public void The_Kubernetes_example_gives_each_completion_index_its_own_shard_and_merges_them_all()
    {
        string manifest = File.ReadAllText(Path.Combine(SharedData.RepositoryRoot, "examples", "kubernetes", "lowpass-indexed-job.yaml"));
        int completions = int.Parse(Regex.Match(manifest, @"completions: (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        string shard = Regex.Match(manifest, @"--shard (auto/[0-9:-]+)").Groups[1].Value;
        var shards = Enumerable.Range(0, completions).Select(k => ShardSpec.Resolve(shard, Kubernetes(k))).ToList();
        Assert.All(shards, s => Assert.Equal(completions, s.Count));
        Assert.Equal(Enumerable.Range(0, completions), shards.Select(s => s.Index));
        string files = $"shard-{{{string.Join(',', Enumerable.Range(0, completions))}}}.json";
        Assert.Equal(2, Regex.Count(manifest, Regex.Escape(files)));
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("auto/4")]
    public void Outside_a_scheduler_auto_is_refused(string text)
    {
        Assert.Contains("neither SLURM_ARRAY_TASK_ID", Refusal(text, _ => null), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("auto/0")]
    [InlineData("auto/x")]
    [InlineData("auto/5-3")]
    [InlineData("auto/0-15:0")]
    [InlineData("auto/0-15:2:1")]
    [InlineData("auto/-1-3")]
    public void A_malformed_array_is_refused_naming_the_forms(string text)
    {
        Assert.Contains("expected auto/N", Refusal(text, Slurm(0, 0, 3, 4)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1/4", 1, 4)]
    [InlineData("0/1", 0, 1)]
    public void K_of_N_ignores_the_scheduler(string text, int index, int count)
    {
        ShardSpec shard = ShardSpec.Resolve(text, Slurm(2, 0, 3, 4));
        Assert.Equal(new ShardSpec(index, count), shard);
        Assert.Null(shard.Source);
    }

    [Theory]
    [InlineData("4/4")]
    [InlineData("auto4")]
    [InlineData("1/0")]
    public void Anything_else_is_refused(string text) =>
        Assert.Contains("is not K/N", Refusal(text, _ => null), StringComparison.Ordinal);
}
