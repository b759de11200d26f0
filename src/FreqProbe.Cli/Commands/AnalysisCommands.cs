using System.CommandLine;
using FreqProbe.Core;
using FreqProbe.Core.Analyses;
using FreqProbe.Core.Heatmaps;
using FreqProbe.Core.Interactions;
using FreqProbe.Core.Sensitivity;

namespace FreqProbe.Cli.Commands;

/// <summary>
/// Every analysis and its command, one line each: the app adds the commands, and merge finds an analysis by the
/// format tag of its results.
/// </summary>
internal static class AnalysisCommands
{
    /// <summary>The analyses by command name.</summary>
    public static Registry<(IAnalysis Analysis, Func<CommandContext, Command> Command)> Registry { get; } = new("analysis", null,
        new (IAnalysis Analysis, Func<CommandContext, Command> Command)[]
        {
            (HeatmapAnalysis.Instance, HeatmapCommand.Create),
            (InteractionAnalysis.Instance, InteractionsCommand.Create),
            (SensitivityAnalysis.Instance, SensitivityCommand.Create),
        }.Select(entry => (entry.Analysis.Name, entry)));

    /// <summary>The analysis whose JSON results carry <paramref name="formatTag"/>, or null.</summary>
    public static IAnalysis? ByFormat(string formatTag) => Registry.All.Select(e => e.Analysis).FirstOrDefault(a => a.FormatTag == formatTag);
}
