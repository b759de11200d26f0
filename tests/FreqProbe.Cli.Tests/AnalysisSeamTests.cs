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

    [Fact]
    public void Every_analysis_setting_is_an_option_of_its_command_with_the_table_s_help_and_no_other_owner()
    {
        var owners = new Dictionary<string, string>();
        foreach ((IAnalysis analysis, _) in AnalysisCommands.Registry.All)
        {
            CliRun help = CliRun.Invoke(analysis.Name, "--help");
            foreach (Setting setting in analysis.Settings)
            {
                Assert.Contains(setting.Option, help.Out, StringComparison.Ordinal);
                Assert.Null(RunSettings.Find(setting.Name));
                Assert.True(owners.TryAdd(setting.Name, analysis.Name) || owners[setting.Name] == analysis.Name,
                    $"{setting.Option} is declared by {owners.GetValueOrDefault(setting.Name)} and {analysis.Name}");
                if (setting.Default is { } d && setting.Kind == SettingKind.Choice) Assert.Contains(d, setting.Choices);
            }
        }
        Assert.NotEmpty(owners);
    }
}
