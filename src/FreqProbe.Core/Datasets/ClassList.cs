using System.Reflection;

namespace FreqProbe.Core.Datasets;

/// <summary>
/// An ordered list of classes: the line number (0-based) is the label. Each line holds a folder name, optionally
/// followed by whitespace and a display name (<c>n01440764 tench</c>).
/// </summary>
public sealed class ClassList
{
    static readonly System.Buffers.SearchValues<char> Whitespace = System.Buffers.SearchValues.Create(" \t");

    readonly Dictionary<string, int> indexByFolder;

    ClassList(string source, IReadOnlyList<string> folders, IReadOnlyList<string> displayNames)
    {
        Source = source;
        Folders = folders;
        DisplayNames = displayNames;
        indexByFolder = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < folders.Count; i++) indexByFolder[folders[i]] = i;
    }

    /// <summary>Where the list came from: a file path, "built-in ImageNet-1k" or "sorted folder names".</summary>
    public string Source { get; }

    /// <summary>Folder names by label.</summary>
    public IReadOnlyList<string> Folders { get; }

    /// <summary>Display names by label (the folder name when the line has none).</summary>
    public IReadOnlyList<string> DisplayNames { get; }

    /// <summary>The label of <paramref name="folder"/>, or -1.</summary>
    public int IndexOf(string folder) => indexByFolder.TryGetValue(folder, out int index) ? index : -1;

    /// <summary>The 1,000 ImageNet-1k wnids in torchvision order (sorted wnids), with their names.</summary>
    public static ClassList ImageNet1k { get; } = LoadImageNet();

    /// <summary>Reads a class list file; blank lines are errors because they would shift every later label.</summary>
    public static ClassList Load(string path)
    {
        if (!File.Exists(path)) throw new InputException("classes", $"'{path}' not found; expected a file with one class folder name per line.");
        return Parse(File.ReadAllLines(path), path);
    }

    /// <summary>A list built from folder names in ordinal sort order, as torchvision's ImageFolder numbers them.</summary>
    public static ClassList FromSortedFolders(IEnumerable<string> folders)
    {
        string[] sorted = folders.OrderBy(f => f, StringComparer.Ordinal).ToArray();
        return new ClassList("sorted folder names", sorted, sorted);
    }

    static ClassList Parse(IReadOnlyList<string> lines, string source)
    {
        var folders = new List<string>();
        var names = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int count = lines.Count;
        while (count > 0 && string.IsNullOrWhiteSpace(lines[count - 1])) count--;
        for (int i = 0; i < count; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0) throw new InputException($"{source}: line {i + 1} is blank; expected a class folder name (blank lines would shift every later label).");
            int space = line.IndexOfAny(Whitespace);
            string folder = space < 0 ? line : line[..space];
            string name = space < 0 ? folder : line[(space + 1)..].Trim();
            if (!seen.Add(folder)) throw new InputException($"{source}: line {i + 1} repeats class '{folder}'; each class must appear once.");
            folders.Add(folder);
            names.Add(name);
        }
        if (folders.Count == 0) throw new InputException($"{source}: no classes; expected one class folder name per line.");
        return new ClassList(source, folders, names);
    }

    static ClassList LoadImageNet()
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("FreqProbe.Core.Datasets.imagenet_classes.txt")
            ?? throw new InvalidOperationException("the built-in ImageNet class list is missing from the assembly");
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line) lines.Add(line);
        return Parse(lines, "built-in ImageNet-1k");
    }
}
