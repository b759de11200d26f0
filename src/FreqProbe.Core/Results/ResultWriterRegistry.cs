namespace FreqProbe.Core.Results;

/// <summary>Result writers by file extension. An unknown extension fails with the list of valid ones.</summary>
public static class ResultWriterRegistry
{
    static readonly Registry<Func<IResultWriter>> Writers = new("results extension", "out", new (string, Func<IResultWriter>)[]
    {
        (".csv", () => new CsvResultWriter()),
        (".json", () => new JsonResultWriter()),
        (".md", () => new MarkdownResultWriter()),
    }, StringComparer.OrdinalIgnoreCase);

    /// <summary>The extensions understood, with the dot.</summary>
    public static IReadOnlyCollection<string> Extensions => Writers.Names;

    /// <summary>The writer for <paramref name="path"/>'s extension.</summary>
    public static IResultWriter ForPath(string path)
    {
        string extension = Path.GetExtension(path);
        return Writers.TryGet(extension, out Func<IResultWriter> make)
            ? make()
            : throw new InputException("out", IO.FormatTags.ResultExtensionProblem(path) ?? $"no writer for '{extension}'.");
    }
}
