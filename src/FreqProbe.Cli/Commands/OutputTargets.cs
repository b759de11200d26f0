using FreqProbe.Core.IO;
using FreqProbe.Core.Results;

namespace FreqProbe.Cli.Commands;

/// <summary>The checks every command with a repeatable --out makes before it starts: formats, writability, repeats and the weights file.</summary>
internal static class OutputTargets
{
    /// <summary>Adds a problem for each target that is not one of <paramref name="extensions"/>, cannot be written, is given twice or is the weights file.</summary>
    public static void Check(IReadOnlyList<string> targets, IReadOnlyList<string> extensions, string? weightsPath, List<string> problems)
    {
        for (int t = 0; t < targets.Count; t++)
        {
            string target = targets[t];
            if (Problem(target, extensions) is { } problem) problems.Add($"--out: {problem}");
            if (targets.Take(t).Any(other => AtomicFile.SameFile(other, target))) problems.Add($"--out: '{target}' is given twice; expected one file per format.");
            if (weightsPath is not null && AtomicFile.SameFile(weightsPath, target)) problems.Add($"--out: '{target}' is the weights file; expected a new file.");
        }
    }

    /// <summary>Why <paramref name="target"/> cannot take a result in one of <paramref name="extensions"/>, or null.</summary>
    public static string? Problem(string target, IReadOnlyList<string> extensions) => OutputFiles.Problem(target, extensions);
}
