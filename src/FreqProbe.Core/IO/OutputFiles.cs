namespace FreqProbe.Core.IO;

/// <summary>
/// The checks every output file gets before any work, worded one way for every command: its extension among those
/// its writer takes, and that it can be written.
/// </summary>
public static class OutputFiles
{
    /// <summary>"a, b or c".</summary>
    public static string Either(IReadOnlyList<string> extensions) =>
        extensions.Count <= 1 ? string.Concat(extensions) : string.Join(", ", extensions.Take(extensions.Count - 1)) + " or " + extensions[^1];

    /// <summary>Why <paramref name="path"/> cannot take one of <paramref name="extensions"/> (with the dot, lower case), or null.</summary>
    public static string? ExtensionProblem(string path, IReadOnlyList<string> extensions) =>
        extensions.Contains(Path.GetExtension(path).ToLowerInvariant()) ? null : $"'{path}' must end in {Either(extensions)}.";

    /// <summary>Why <paramref name="path"/> cannot be written as one of <paramref name="extensions"/>: its extension, else its folder; or null.</summary>
    public static string? Problem(string path, IReadOnlyList<string> extensions) =>
        ExtensionProblem(path, extensions) ?? (AtomicFile.CheckWritable(path) is { } why ? $"cannot write '{path}': {why}." : null);

    /// <summary>The extensions of pictures.</summary>
    public static IReadOnlyList<string> Pictures { get; } = new[] { ".png", ".svg" };
}
