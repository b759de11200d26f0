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

    /// <summary>The extensions of an analysis result: a CSV table, the JSON document, or a picture.</summary>
    public static IReadOnlyList<string> AnalysisExtensions { get; } = new[] { ".csv", ".json", ".png", ".svg" };

    /// <summary>
    /// Writes an analysis result to <paramref name="path"/> by its extension (<see cref="AnalysisExtensions"/>), each
    /// atomically: <paramref name="csv"/> gives the table's text, <paramref name="json"/> writes the document to a
    /// stream and <paramref name="picture"/> draws to a path (ScottPlot writes to paths; it draws beside the target,
    /// which is then replaced, so a good file is never replaced by half of one).
    /// </summary>
    public static void WriteAnalysis(string path, Func<string> csv, Action<Stream> json, Action<string> picture)
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        switch (extension)
        {
            case ".csv":
                AtomicFile.Write(path, stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(csv())));
                break;
            case ".json":
                AtomicFile.Write(path, json);
                break;
            case ".png" or ".svg":
                string temp = AtomicFile.TempPathFor(AtomicFile.Target(path)) + extension;
                picture(temp);
                AtomicFile.Replace(temp, path);
                break;
            default:
                throw new InputException("out", ExtensionProblem(path, AnalysisExtensions)!);
        }
    }
}
