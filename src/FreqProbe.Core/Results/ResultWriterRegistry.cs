namespace FreqProbe.Core.Results;

/// <summary>Result writers by file extension. An unknown extension fails with the list of valid ones.</summary>
public static class ResultWriterRegistry
{
    static readonly SortedDictionary<string, Func<IResultWriter>> Writers = new(StringComparer.OrdinalIgnoreCase)
    {
        [".csv"] = () => new CsvResultWriter(),
        [".json"] = () => new JsonResultWriter(),
        [".md"] = () => new MarkdownResultWriter(),
    };

    /// <summary>The extensions understood, with the dot.</summary>
    public static IReadOnlyCollection<string> Extensions => Writers.Keys;

    /// <summary>The writer for <paramref name="path"/>'s extension.</summary>
    public static IResultWriter ForPath(string path)
    {
        string extension = Path.GetExtension(path);
        return Writers.TryGetValue(extension, out Func<IResultWriter>? make)
            ? make()
            : throw new InputException("out", $"'{path}' has extension '{extension}'; expected one of {string.Join(", ", Writers.Keys)}.");
    }
}
