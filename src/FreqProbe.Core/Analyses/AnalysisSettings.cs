using FreqProbe.Core.Planning;

namespace FreqProbe.Core.Analyses;

/// <summary>
/// The settings of several analyses under one roof (a config's keys, the sweep command's options), where two analyses
/// may each have a setting of the same name and kind with other choices (interactions' and sensitivity's --value): such
/// namesakes stand as one setting that takes any of their choices, and a run binds the value to its own command's
/// setting (<see cref="Rebind"/>), which checks it against that command's choices.
/// </summary>
public static class AnalysisSettings
{
    /// <summary>One setting per name over <paramref name="analyses"/>, in order; namesakes merged into one that takes the union of their choices.</summary>
    public static IReadOnlyList<Setting> Distinct(IEnumerable<IAnalysis> analyses)
    {
        var all = analyses.SelectMany(a => a.Settings.Select(s => (Analysis: a, Setting: s))).ToList();
        return all.GroupBy(e => e.Setting.Name).Select(group =>
        {
            if (group.Count() == 1) return group.First().Setting;
            Setting first = group.First().Setting;
            if (group.Any(e => e.Setting.Kind != first.Kind))
            {
                throw new InvalidOperationException($"analyses {string.Join(", ", group.Select(e => e.Analysis.Name))} declare '{first.Name}' with different kinds");
            }
            return first with
            {
                Help = string.Join(" ", group.Select(e => $"{e.Analysis.Name}: {e.Setting.Help}")),
                Choices = group.SelectMany(e => e.Setting.Choices).Distinct().ToArray(),
                Default = null,
                Identity = null,
            };
        }).ToArray();
    }

    /// <summary>
    /// <paramref name="value"/> bound to the setting of <paramref name="takes"/> with its name (itself when it is one of
    /// them); null when none has the name. A choice that the command's setting does not offer is a problem, and null.
    /// </summary>
    public static GivenValue? Rebind(GivenValue value, IEnumerable<Setting> takes, string command, Action<string, string> problem)
    {
        if (takes.Contains(value.Setting)) return value;
        if (takes.FirstOrDefault(s => s.Name == value.Setting.Name) is not { } own) return null;
        if (own.Kind == SettingKind.Choice && !own.Choices.Contains(value.Value as string))
        {
            problem(value.Origin, $"'{value.Value}' is not a {own.Name} of {command}; expected one of {string.Join(", ", own.Choices)}.");
            return null;
        }
        return value with { Setting = own };
    }
}
