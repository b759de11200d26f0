using FreqProbe.Cli.Commands;
using FreqProbe.Core.Analyses;
using FreqProbe.Core.Planning;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Cli.Tests;

/// <summary>What every analysis gets from the seam, checked for each registered analysis and each of its settings.</summary>
public sealed class AnalysisSeamTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    // Cheap runs of each analysis; a setting under test is taken out and given its example value in one shard.
    static readonly Dictionary<string, Dictionary<string, string>> Cheap = new()
    {
        ["heatmap"] = new() { ["limit"] = "4", ["max-freq"] = "1", ["eps"] = "10" },
        ["interactions"] = new() { ["limit"] = "8", ["images"] = "2", ["pairs"] = "1", ["contexts"] = "1", ["orders"] = "0,1" },
        ["sensitivity"] = new() { ["limit"] = "4" },
    };

    static string[] Arguments(IAnalysis analysis, Dictionary<string, string> settings, string shard, string output) =>
        new[] { analysis.Name, "--threads", "1", "--quiet", "--shard", shard, "--out", output }
            .Concat(settings.SelectMany(s => s.Value == "true" ? new[] { "--" + s.Key } : new[] { "--" + s.Key, s.Value })).ToArray();

    public static TheoryData<string, string> SettingsThatChangeTheNumbers()
    {
        var data = new TheoryData<string, string>();
        foreach ((IAnalysis analysis, _) in AnalysisCommands.Registry.All)
        {
            foreach (Setting setting in analysis.Settings.Where(s => s.ChangesNumbers)) data.Add(analysis.Name, setting.Name);
        }
        return data;
    }

    [Theory]
    [Trait("Speed", "slow")]
    [MemberData(nameof(SettingsThatChangeTheNumbers))]
    public void Merge_refuses_shards_that_differ_in_any_setting_that_changes_the_numbers(string name, string settingName)
    {
        IAnalysis analysis = AnalysisCommands.Registry.Get(name).Analysis;
        Setting setting = analysis.Settings.Single(s => s.Name == settingName);
        var first = new Dictionary<string, string>(Cheap[name]);
        first.Remove(setting.Name);
        // Settings that only apply with another choice get it in both shards.
        if (setting.Name == "band-count") first["players"] = "bands";
        var second = new Dictionary<string, string>(first) { [setting.Name] = setting.Example };

        CliRun run = CliRun.Invoke(Arguments(analysis, first, "0/2", dir.File("a.json")));
        Assert.True(run.ExitCode == 0, run.Error);
        run = CliRun.Invoke(Arguments(analysis, second, "1/2", dir.File("b.json")));
        Assert.True(run.ExitCode == 0, run.Error);
        run = CliRun.Invoke("merge", dir.File("a.json"), dir.File("b.json"), "--out", dir.File("m.json"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{setting.Name}", run.Error.Split("merge refused:")[1], StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("m.json")));
    }

    // The numbers of a result, without its provenance and times.
    static string Numbers(string path)
    {
        var root = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        root.Remove("run");
        foreach (string key in root.Select(p => p.Key).Where(k => k.Contains("second", StringComparison.Ordinal)).ToArray()) root.Remove(key);
        return root.ToJsonString();
    }

    public static TheoryData<string> AnalysisNames()
    {
        var data = new TheoryData<string>();
        foreach (string name in AnalysisCommands.Registry.Names) data.Add(name);
        return data;
    }

    [Theory]
    [MemberData(nameof(AnalysisNames))]
    public void Every_analysis_runs_from_a_config_as_its_own_command_does_and_a_resume_skips_it(string name)
    {
        IAnalysis analysis = AnalysisCommands.Registry.Get(name).Analysis;
        Dictionary<string, string> settings = Cheap[name];
        var run = new Dictionary<string, object> { ["name"] = "a", ["analysis"] = name };
        foreach ((string key, string value) in settings) run[key.Replace('-', '_')] = int.TryParse(value, out int n) ? n : value;
        // A filter setting in the defaults serves the filter runs and is left out of the analysis run.
        string config = dir.File("c.json");
        File.WriteAllText(config, System.Text.Json.JsonSerializer.Serialize(new { defaults = new { radii = "4", threads = 1 }, runs = new[] { run } }));
        CliRun sweep = CliRun.Invoke("sweep", config, "--out-dir", dir.File("out"), "--quiet");
        Assert.True(sweep.ExitCode == 0, sweep.Error);
        CliRun single = CliRun.Invoke(new[] { name, "--threads", "1", "--quiet", "--out", dir.File("single.json") }
            .Concat(settings.SelectMany(s => new[] { "--" + s.Key, s.Value })).ToArray());
        Assert.True(single.ExitCode == 0, single.Error);
        Assert.Equal(Numbers(dir.File("single.json")), Numbers(dir.File("out/a.json")));
        Assert.True(File.Exists(dir.File("out/a.csv")));
        Assert.Contains($"freqprobe {name} ", analysis.ReadMetadata(dir.File("out/a.json")).Command, StringComparison.Ordinal);
        Assert.Contains("\"format\": \"freqprobe-sweep-summary/1\"", File.ReadAllText(dir.File("out/summary.json")), StringComparison.Ordinal);

        sweep = CliRun.Invoke("sweep", config, "--out-dir", dir.File("out"), "--resume");
        Assert.True(sweep.ExitCode == 0, sweep.Error);
        Assert.Contains("a: already done", sweep.Error, StringComparison.Ordinal);
    }

    // Cancels its token once the run has done half its work, from inside the run (as Ctrl-C would).
    sealed class CancelHalfway(CancellationTokenSource source) : IProgress<FreqProbe.Core.Evaluation.SweepProgress>
    {
        public void Report(FreqProbe.Core.Evaluation.SweepProgress value)
        {
            if ((long)value.ImagesDone * 2 >= value.ImagesTotal) source.Cancel();
        }
    }

    sealed class FirstReport : IProgress<FreqProbe.Core.Evaluation.SweepProgress>
    {
        public int? Done { get; private set; }

        public void Report(FreqProbe.Core.Evaluation.SweepProgress value) => Done ??= value.ImagesDone;
    }

    [Theory]
    [MemberData(nameof(AnalysisNames))]
    public void Every_analysis_resumes_from_its_checkpoint_to_the_uninterrupted_result_and_refuses_an_edited_one(string name)
    {
        IAnalysis analysis = AnalysisCommands.Registry.Get(name).Analysis;
        // Batches of 2, so that the run is interrupted after finishing some of its work.
        var values = new List<GivenValue>
        {
            new(RunSettings.Threads, 1, "--threads"), new(RunSettings.CheckpointEvery, 1e-9, "--checkpoint-every"), new(RunSettings.BatchSize, 2, "--batch-size"),
        };
        foreach ((string key, string value) in Cheap[name])
        {
            Setting setting = RunSettings.Find(key) ?? analysis.Settings.Single(s => s.Name == key);
            values.Add(new GivenValue(setting, setting.Kind == SettingKind.Count ? int.Parse(value) : setting.Kind == SettingKind.Number ? double.Parse(value) : value, "--" + key));
        }
        GivenSettings given = GivenSettings.From(values);
        Resolution resolution = RunResolver.Resolve(given, RunKind.Unfiltered, ResolverEnvironment.FromVariables("test"));
        var problems = new List<string>();
        IPlannedAnalysis planned = analysis.Prepare(given, resolution.Request, problems) ?? throw new InvalidOperationException(string.Join("\n", problems));
        string whole = dir.File("whole.json"), resumed = dir.File("resumed.json"), checkpoint = dir.File("resumed.json.checkpoint.json");
        var fresh = new FirstReport();
        planned.RunAndWrite(new[] { whole }, given, null, false, fresh, null, CancellationToken.None);

        using (var source = new CancellationTokenSource())
        {
            Assert.ThrowsAny<OperationCanceledException>(() => planned.RunAndWrite(new[] { resumed }, given, checkpoint, false, new CancelHalfway(source), null, source.Token));
        }
        Assert.False(File.Exists(resumed));
        Assert.True(File.Exists(checkpoint));
        string saved = File.ReadAllText(checkpoint);

        // An edited count is refused by the checkpoint's checksum, not resumed into other numbers.
        int digit = saved.IndexOfAny("123456789".ToCharArray(), saved.IndexOf("\"partial\"", StringComparison.Ordinal) + 200);
        File.WriteAllText(checkpoint, saved[..digit] + (saved[digit] == '9' ? '8' : '9') + saved[(digit + 1)..]);
        var edited = Assert.Throws<FreqProbe.Core.InputException>(() => planned.RunAndWrite(new[] { resumed }, given, checkpoint, true, null, null, CancellationToken.None));
        Assert.Contains("does not match its checksum", edited.Message, StringComparison.Ordinal);

        File.WriteAllText(checkpoint, saved);
        var first = new FirstReport();
        planned.RunAndWrite(new[] { resumed }, given, checkpoint, true, first, null, CancellationToken.None);
        Assert.Equal(Numbers(whole), Numbers(resumed));
        // The resumed run started past the work the checkpoint holds.
        Assert.True(first.Done > fresh.Done, $"the resumed run's first progress report was {first.Done}, a fresh run's {fresh.Done}");
        Assert.False(File.Exists(checkpoint));
    }

    [Fact]
    public void Replacing_the_data_between_interrupt_and_resume_of_an_analysis_is_refused()
    {
        string cifar = dir.File("cifar");
        Directory.CreateDirectory(cifar);
        string batch = Path.Combine(cifar, "test_batch.bin");
        File.WriteAllBytes(batch, SyntheticCifar.Records(40));
        IAnalysis analysis = AnalysisCommands.Registry.Get("heatmap").Analysis;
        GivenSettings given = GivenSettings.From(new GivenValue[]
        {
            new(RunSettings.Model, "cifar-resnet20", "--model"), new(RunSettings.Weights, "random", "--weights"), new(RunSettings.Dataset, "cifar10", "--dataset"),
            new(RunSettings.Data, cifar, "--data"), new(RunSettings.BatchSize, 10, "--batch-size"), new(RunSettings.Threads, 1, "--threads"),
            new(RunSettings.CheckpointEvery, 1e-9, "--checkpoint-every"), new(analysis.Settings.Single(s => s.Name == "max-freq"), 1, "--max-freq"),
        });
        Resolution resolution = RunResolver.Resolve(given, RunKind.Unfiltered, ResolverEnvironment.FromVariables("test"));
        var problems = new List<string>();
        IPlannedAnalysis planned = analysis.Prepare(given, resolution.Request, problems) ?? throw new InvalidOperationException(string.Join("\n", problems));
        string results = dir.File("h.json"), checkpoint = results + ".checkpoint.json";
        using (var source = new CancellationTokenSource())
        {
            Assert.ThrowsAny<OperationCanceledException>(() => planned.RunAndWrite(new[] { results }, given, checkpoint, false, new CancelHalfway(source), null, source.Token));
        }
        Assert.True(File.Exists(checkpoint));

        File.WriteAllBytes(batch, SyntheticCifar.Records(40, label: r => (byte)((r + 3) % 10))); // same size, other content
        var changed = Assert.Throws<FreqProbe.Core.InputException>(() => planned.RunAndWrite(new[] { results }, given, checkpoint, true, null, null, CancellationToken.None));
        Assert.Contains("the data changed since", changed.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(checkpoint));

        File.WriteAllBytes(batch, SyntheticCifar.Records(40)); // the original again
        planned.RunAndWrite(new[] { results }, given, checkpoint, true, null, null, CancellationToken.None);
        Assert.True(File.Exists(results));
    }

    [Theory]
    [MemberData(nameof(AnalysisNames))]
    public void A_second_run_of_an_analysis_on_an_out_in_use_is_refused_naming_the_holder(string name)
    {
        string target = dir.File("busy.json");
        using (FreqProbe.Core.IO.OutputLock.Acquire(target, "out", "freqprobe holder-command"))
        {
            CliRun run = CliRun.Invoke(new[] { name, "--threads", "1", "--quiet", "--out", target }
                .Concat(Cheap[name].SelectMany(s => new[] { "--" + s.Key, s.Value })).ToArray());
            Assert.Equal(2, run.ExitCode);
            Assert.Contains("holder-command", run.Error, StringComparison.Ordinal);
            Assert.False(File.Exists(target));
        }
        Assert.Equal(0, CliRun.Invoke(new[] { name, "--threads", "1", "--quiet", "--out", target }
            .Concat(Cheap[name].SelectMany(s => new[] { "--" + s.Key, s.Value })).ToArray()).ExitCode);
    }

    [Fact]
    public void Every_analysis_setting_is_an_option_of_its_command_with_the_table_s_help_and_namesakes_share_a_kind()
    {
        var owners = new Dictionary<string, (string Analysis, Setting Setting)>();
        foreach ((IAnalysis analysis, _) in AnalysisCommands.Registry.All)
        {
            CliRun help = CliRun.Invoke(analysis.Name, "--help");
            foreach (Setting setting in analysis.Settings)
            {
                Assert.Contains(setting.Option, help.Out, StringComparison.Ordinal);
                // A run setting an analysis takes is that very setting, never another of its name.
                if (RunSettings.Find(setting.Name) is { } run) Assert.Same(run, setting);
                // Two analyses may each declare a setting of one name (--value) only of one kind: a config key and the
                // sweep command's option stand for both, and each run binds it to its own command's setting.
                if (!owners.TryAdd(setting.Name, (analysis.Name, setting)))
                {
                    Assert.True(owners[setting.Name].Setting.Kind == setting.Kind, $"{setting.Option}: {owners[setting.Name].Analysis} and {analysis.Name} declare other kinds");
                }
                if (setting.Default is { } d && setting.Kind == SettingKind.Choice) Assert.Contains(d, setting.Choices);
            }
        }
        Assert.NotEmpty(owners);
        Assert.Equal(owners.Count, AnalysisSettings.Distinct(AnalysisCommands.Registry.All.Select(e => e.Analysis)).Count);
    }
}
