using System.Text.RegularExpressions;
using System.Text.Json;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Planning;
using FreqProbe.Core.Results;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Cli.Tests;

/// <summary>
/// The settings table feeds the command-line options, the config keys, the checkpoint fingerprint and the shard-merge
/// check; these tests iterate it, so that a setting added to one and not the others fails here.
/// </summary>
public sealed class SettingsTableTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public void Every_setting_is_an_option_of_the_filter_commands_and_every_option_is_a_setting()
    {
        foreach (string command in new[] { "lowpass", "highpass", "bandpass" })
        {
            CliRun help = CliRun.Invoke(command, "--help");
            Assert.Equal(0, help.ExitCode);
            string[] options = help.Out.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith('-'))
                .SelectMany(l => l.Split("  ", 2)[0].Split(',').Select(t => t.Trim().Split(' ')[0]))
                .Where(o => o.StartsWith("--", StringComparison.Ordinal)).Distinct().ToArray();
            Setting other = command == "bandpass" ? RunSettings.Radii : RunSettings.Bands;
            Assert.Equal(RunSettings.All.Where(s => s != other).Select(s => s.Option).Order(), options.Where(o => o is not ("--help" or "--version")).Order());
        }
    }

    static object JsonValue(Setting s) => s.Kind switch
    {
        SettingKind.Flag => true,
        SettingKind.Count => int.Parse(s.Example, System.Globalization.CultureInfo.InvariantCulture),
        SettingKind.Seed => ulong.Parse(s.Example, System.Globalization.CultureInfo.InvariantCulture),
        SettingKind.Number => double.Parse(s.Example, System.Globalization.CultureInfo.InvariantCulture),
        _ => s.Example,
    };

    // Values for this test where the example is what the config's defaults already resolve to, so that reaching the
    // run description shows.
    static readonly Dictionary<string, object> Distinct = new() { ["split"] = "train", ["num-classes"] = 12, ["input-size"] = 48 };

    // The settings this config cannot tell apart from its defaults: the defaults set them to the example's value.
    static readonly string[] SetByTheDefaults = { "model", "weights", "dataset" };

    [Fact]
    public void Every_setting_but_offline_is_read_back_from_the_resolved_run()
    {
        Resolution resolution = RunResolver.Resolve(GivenSettings.None, RunKind.LowPass, ResolverEnvironment.FromVariables("test"));
        Assert.True(resolution.Ok);
        Assert.Equal(RunSettings.All.Where(s => s != RunSettings.Offline), ResolvedSettings.Of(resolution).Select(p => p.Setting));
    }

    [Fact]
    public void Every_config_settable_setting_is_a_config_key_and_reaches_the_resolved_command()
    {
        File.WriteAllText(dir.File("classes.txt"), string.Join('\n', Enumerable.Range(0, 10).Select(k => $"class{k}")));
        Setting[] settable = RunSettings.All.Where(s => s.NotInConfig is null).ToArray();
        var runs = new List<Dictionary<string, object>> { new() { ["name"] = "base", ["filter"] = "lowpass", ["radii"] = "2" } };
        foreach (Setting s in settable)
        {
            var run = new Dictionary<string, object> { ["name"] = "set-" + s.Name, ["filter"] = s == RunSettings.Bands ? "bandpass" : "lowpass" };
            if (s != RunSettings.Bands && s != RunSettings.Radii) run["radii"] = "2";
            run[s.Name.Replace('-', '_')] = Distinct.GetValueOrDefault(s.Name) ?? JsonValue(s); // snake_case keys are accepted as well
            runs.Add(run);
        }
        string config = dir.File("all.json");
        File.WriteAllText(config, JsonSerializer.Serialize(new { defaults = new { weights = "builtin:synthetic", dataset = "synthetic", model = "cifar-resnet20" }, runs }));
        CliRun check = CliRun.Invoke("sweep", config, "--check", "--out-dir", dir.File("out"));
        Assert.True(check.ExitCode == 0, check.Error);
        string[] lines = check.Out.Split('\n');
        // What each setting resolved to, read back from the run description, not from what was given.
        string Resolved(string run, Setting s)
        {
            string line = lines[Array.FindIndex(lines, l => l.StartsWith($"{run}: ", StringComparison.Ordinal)) + 1];
            Assert.StartsWith("  resolved: ", line, StringComparison.Ordinal);
            Match value = Regex.Match(line, $" {Regex.Escape(s.Option)} (\\S+)");
            Assert.True(value.Success, $"{s.Option} is not in the resolved line: {line}");
            return value.Groups[1].Value;
        }
        foreach (Setting s in settable)
        {
            string given = (Distinct.GetValueOrDefault(s.Name) ?? JsonValue(s)) switch
            {
                bool b => b ? "true" : "false",
                double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                object o => Convert.ToString(o, System.Globalization.CultureInfo.InvariantCulture)!,
            };
            string resolved = Resolved("set-" + s.Name, s);
            string expected = s.Name switch
            {
                "crop-pct" => "resize-to-36", // floor(32 / 0.875)
                _ when s.Kind == SettingKind.Path => Path.GetFileName(Path.GetFullPath(Path.Combine(dir.Path, given)).TrimEnd('/')),
                _ => given,
            };
            if (s.Kind == SettingKind.Path) Assert.EndsWith(expected, resolved.TrimEnd('/'), StringComparison.Ordinal);
            else Assert.Equal(expected, resolved);
            if (!SetByTheDefaults.Contains(s.Name)) Assert.NotEqual(Resolved("base", s), resolved);
        }

        // "predictions" is a run's own key in a config (true writes NAME.predictions.csv), not the file path.
        foreach (Setting s in RunSettings.All.Where(s => s.NotInConfig is not null && s != RunSettings.Predictions))
        {
            File.WriteAllText(config, JsonSerializer.Serialize(new { runs = new[] { new Dictionary<string, object> { ["name"] = "x", ["filter"] = "lowpass", [s.Name] = JsonValue(s) } } }));
            CliRun refused = CliRun.Invoke("sweep", config, "--check");
            Assert.Equal(2, refused.ExitCode);
            Assert.Contains($"$.runs[0].{s.Name}: not settable in a config", refused.Error, StringComparison.Ordinal);
        }
    }

    static RunMetadata Sample() => new()
    {
        Command = "freqprobe lowpass",
        Model = "cifar-resnet20",
        WeightsPath = "w.safetensors",
        WeightsSha256 = "abc",
        NumClasses = 10,
        ClassNames = new[] { "a", "b" },
        PerClass = true,
        Dataset = "synthetic",
        DataSource = "generated",
        Split = "test",
        DatasetCount = 100,
        Requested = 100,
        Limit = 50,
        Shard = "0/2",
        Evaluated = 25,
        Skipped = 0,
        Preprocess = "32x32 as stored",
        InputSize = 32,
        Mean = new[] { 0.5f, 0.5f, 0.5f },
        Std = new[] { 0.25f, 0.25f, 0.25f },
        FilterConvention = SweepRunner.FilterConvention,
        Filters = "low-pass 2 (circle, ideal)",
        Clip = false,
        Device = "cpu",
        Threads = 2,
        BatchSize = 64,
        Seed = 0,
        Precision = "fp32",
        Layout = "nhwc",
        Versions = new Dictionary<string, string>(),
        StartedUtc = DateTimeOffset.UnixEpoch,
        FinishedUtc = DateTimeOffset.UnixEpoch,
    };

    // One provenance field per number-changing setting, changed: a setting added to the table with an identity but no
    // entry here fails the test, and an identity that reads the wrong field fails the assertions.
    static readonly Dictionary<string, Func<RunMetadata, RunMetadata>> Changes = new()
    {
        ["model"] = m => m with { Model = "cifar-resnet32" },
        ["weights"] = m => m with { WeightsSha256 = "def" },
        ["dataset"] = m => m with { Dataset = "cifar10" },
        ["data"] = m => m with { DataSource = "elsewhere" },
        ["split"] = m => m with { Split = "train" },
        ["classes"] = m => m with { ClassNames = new[] { "b", "a" } },
        ["num-classes"] = m => m with { NumClasses = 12 },
        ["mean"] = m => m with { Mean = Array.Empty<float>() },
        ["std"] = m => m with { Std = new[] { 0.25f, 0.2f, 0.25f } },
        ["input-size"] = m => m with { Preprocess = "resize shorter side to 36", InputSize = 32 },
        ["crop-pct"] = m => m with { Preprocess = "resize shorter side to 40 (antialiased bilinear), centre-crop 32, scale to [0,1]" },
        ["interpolation"] = m => m with { Preprocess = "32x32 as stored (other sizes resized exactly, bicubic), scale to [0,1]" },
        ["shape"] = m => m with { Filters = "low-pass 2 (square, ideal)" },
        ["profile"] = m => m with { Filters = "low-pass 2 (circle, gaussian)" },
        ["radii"] = m => m with { Filters = "low-pass 4 (circle, ideal)" },
        ["bands"] = m => m with { Filters = "band-pass 0-4 (circle, ideal)" },
        ["clip"] = m => m with { Clip = true },
        ["precision"] = m => m with { Precision = "bf16" },
        ["layout"] = m => m with { Layout = "nchw" },
        ["limit"] = m => m with { Limit = 60 },
        ["shard"] = m => m with { Shard = "1/2" },
        ["seed"] = m => m with { Seed = 9 },
        ["per-class"] = m => m with { PerClass = false },
    };

    [Fact]
    public void Every_number_changing_setting_changes_the_fingerprint_and_is_refused_by_merge()
    {
        RunMetadata first = Sample();
        Assert.Equal(RunSettings.All.Where(s => s.ChangesNumbers).Select(s => s.Name).Order(), Changes.Keys.Order());
        foreach (Setting s in RunSettings.All.Where(s => s.ChangesNumbers))
        {
            RunMetadata other = Changes[s.Name](first);
            Assert.NotEqual(s.Identity!(first), s.Identity(other));
            Assert.NotEqual(RunSettings.Fingerprint(first), RunSettings.Fingerprint(other));
            var differences = RunSettings.ShardDifferences(first, other).SelectMany(d => d.Other.Settings).ToArray();
            if (s.SameInEveryShard) Assert.Contains(s, differences);
            else Assert.Empty(differences);
        }
        foreach (Setting s in RunSettings.All.Where(s => !s.ChangesNumbers))
        {
            Assert.DoesNotContain(s.Name, RunSettings.Fingerprint(first).Split(" | ").SelectMany(part => part.Split('=')[0].Split('/')));
        }
    }

    [Fact]
    public void What_the_checkpoint_fingerprints_is_what_the_results_record()
    {
        string results = dir.File("r.json");
        CliRun run = CliRun.Invoke("lowpass", "--radii", "2,6", "--limit", "6", "--per-class", "--shard", "1/2", "--clip", "--out", results, "--quiet");
        Assert.True(run.ExitCode == 0, run.Error);
        SweepSummary summary = JsonResultReader.Read(results);
        Resolution resolution = RunResolver.Resolve(GivenSettings.From(new GivenValue[]
        {
            new(RunSettings.Radii, "2,6", "--radii"), new(RunSettings.Limit, 6, "--limit"), new(RunSettings.PerClass, true, "--per-class"),
            new(RunSettings.Shard, "1/2", "--shard"), new(RunSettings.Clip, true, "--clip"),
        }), RunKind.LowPass, ResolverEnvironment.FromVariables("test"));
        using EvaluationSession session = EvaluationSession.Open(resolution.Request!);
        Assert.Equal(SweepCheckpoint.FingerprintOf(session), RunSettings.Fingerprint(summary.Metadata));
    }
}
