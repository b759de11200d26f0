using System.CommandLine;
using System.CommandLine.Parsing;
using FreqProbe.Core.Planning;

namespace FreqProbe.Cli.Commands;

/// <summary>
/// Command-line options made from the settings table (<see cref="RunSettings"/>), and the binding of what the user
/// typed back to given settings. Only options the user typed are bound (System.CommandLine's implicit values are
/// not), so that a config, a model card or the model's own defaults decide the rest.
/// </summary>
internal sealed class SettingOptions
{
    readonly List<(Setting Setting, Option Option)> options = new();

    /// <summary>
    /// Options for <paramref name="settings"/>: the run settings in table order, then an analysis's own in its order.
    /// <paramref name="help"/> words a setting's help for a command that uses it differently (train's --dataset
    /// defaults to synthetic); its name, kind, choices and checks stay the table's.
    /// </summary>
    public SettingOptions(IEnumerable<Setting> settings, IReadOnlyDictionary<Setting, string>? help = null)
    {
        Setting[] given = settings.ToArray();
        foreach (Setting setting in RunSettings.All.Intersect(given).Concat(given.Except(RunSettings.All)))
        {
            options.Add((setting, Make(help?.TryGetValue(setting, out string? text) == true ? setting with { Help = text, Default = null } : setting)));
        }
    }

    /// <summary>Options for every setting of the table except <paramref name="except"/>.</summary>
    public static SettingOptions AllExcept(params Setting[] except) => new(RunSettings.All.Except(except));

    /// <summary>
    /// Options for an analysis that evaluates a model without filtering and writes its own outputs (heat maps,
    /// interactions): every run setting except the filters, the sweep's outputs and its checkpoints, then
    /// <paramref name="own"/>, the analysis's own settings.
    /// </summary>
    public static SettingOptions ForAnalysis(IEnumerable<Setting> own) => new(RunSettings.ForAnalyses.Concat(own));

    /// <summary>The options, to add to a command.</summary>
    public IEnumerable<Option> All => options.Select(o => o.Option);

    /// <summary>The option of <paramref name="setting"/>.</summary>
    public Option this[Setting setting] => options.Single(o => o.Setting == setting).Option;

    /// <summary>Adds every option to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (Option option in All) command.Options.Add(option);
    }

    /// <summary>What the user typed, as given settings with origin <c>--name</c>.</summary>
    public GivenSettings Bind(ParseResult parsed) => GivenSettings.From(BindValues(parsed));

    /// <summary>What the user typed, as given values with origin <c>--name</c>, in table order.</summary>
    public IEnumerable<GivenValue> BindValues(ParseResult parsed)
    {
        foreach ((Setting setting, Option option) in options)
        {
            OptionResult? result = parsed.GetResult(option);
            if (result is null || result.Implicit) continue;
            object? value = option switch
            {
                Option<bool> flag => parsed.GetValue(flag),
                Option<int> count => parsed.GetValue(count),
                Option<ulong> seed => parsed.GetValue(seed),
                Option<double> number => parsed.GetValue(number),
                Option<string> text => parsed.GetValue(text),
                _ => null,
            };
            if (value is not null) yield return new GivenValue(setting, value, setting.Option);
        }
    }

    /// <summary>True when the user typed <paramref name="setting"/>'s option.</summary>
    public bool Typed(ParseResult parsed, Setting setting) => parsed.GetResult(this[setting]) is { Implicit: false };

    static Option Make(Setting s)
    {
        string help = s.Help + (s.Default is { } d && s.Kind != SettingKind.Flag && !s.Help.Contains("default", StringComparison.OrdinalIgnoreCase) ? $" (default: {d})" : "");
        string[] aliases = s.Alias is null ? Array.Empty<string>() : new[] { s.Alias };
        Option option = s.Kind switch
        {
            SettingKind.Flag => new Option<bool>(s.Option, aliases) { Description = help },
            SettingKind.Count => new Option<int>(s.Option, aliases) { Description = help },
            SettingKind.Seed => new Option<ulong>(s.Option, aliases) { Description = help },
            SettingKind.Number => new Option<double>(s.Option, aliases) { Description = help },
            _ => new Option<string>(s.Option, aliases) { Description = help },
        };
        if (s.Kind == SettingKind.Choice && option is Option<string> choice) choice.AcceptOnlyFromAmong(s.Choices.ToArray());
        return option;
    }
}
