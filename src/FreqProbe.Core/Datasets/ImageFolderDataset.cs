namespace FreqProbe.Core.Datasets;

/// <summary>
/// Images in <c>root/&lt;class&gt;/*.{jpg,jpeg,png,bmp,webp}</c> (extensions in any case). Labels come from a
/// <see cref="ClassList"/>; images are ordered by label, then by ordinal file name. Decoding uses SkiaSharp
/// (<see cref="EncodedImage"/>) and converts to RGB as PIL does; a JPEG is decoded only where the model input needs it.
/// </summary>
public sealed class ImageFolderDataset : IImageDataset
{
    static readonly HashSet<string> Extensions = new(StringComparer.OrdinalIgnoreCase) { ".jpg", ".jpeg", ".png", ".bmp", ".webp" };

    readonly string[] files;
    readonly int[] labels;

    ImageFolderDataset(string name, string root, ClassList classes, string[] files, int[] labels)
    {
        Name = name;
        Source = root;
        Classes = classes;
        this.files = files;
        this.labels = labels;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string Source { get; }

    /// <inheritdoc />
    public string Split => "";

    /// <summary>The class list in use.</summary>
    public ClassList Classes { get; }

    /// <inheritdoc />
    public int Count => files.Length;

    /// <inheritdoc />
    public IReadOnlyList<string> ClassNames => Classes.DisplayNames;

    /// <summary>
    /// Indexes <paramref name="root"/>. With a class list, every class folder present must be in it (a folder outside
    /// the list is an error, never silently dropped); without one, the sorted folder names are the classes.
    /// </summary>
    public static ImageFolderDataset Open(string root, ClassList? classes = null, string name = "imagefolder", long maxPixels = ImageFileCheck.DefaultMaxPixels)
    {
        if (!Directory.Exists(root))
        {
            throw new InputException("data", $"'{root}' is not a directory; expected root/<class>/<image> folders.");
        }
        string[] folders = Listed(root, () => Directory.GetDirectories(root)).Select(Path.GetFileName).OfType<string>().ToArray();
        if (folders.Length == 0) throw new InputException("data", $"'{root}' has no class folders; expected root/<class>/<image>.");
        classes ??= ClassList.FromSortedFolders(folders);
        string[] unknown = folders.Where(f => classes.IndexOf(f) < 0).OrderBy(f => f, StringComparer.Ordinal).ToArray();
        if (unknown.Length > 0)
        {
            throw new InputException("data",
                $"{unknown.Length} folder(s) in '{root}' are not in the class list ({classes.Source}): " +
                $"{string.Join(", ", unknown.Take(10))}{(unknown.Length > 10 ? ", …" : "")}; expected folder names from that list.");
        }
        var files = new List<string>();
        var labels = new List<int>();
        foreach (string folder in folders.OrderBy(classes.IndexOf))
        {
            int label = classes.IndexOf(folder);
            string classFolder = Path.Combine(root, folder);
            string[] images = Listed(classFolder, () => Directory.GetFiles(classFolder))
                .Where(f => Extensions.Contains(Path.GetExtension(f)))
                .OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal)
                .ToArray();
            files.AddRange(images);
            labels.AddRange(Enumerable.Repeat(label, images.Length));
        }
        if (files.Count == 0)
        {
            throw new InputException("data", $"no images under '{root}'; expected files ending in {string.Join(", ", Extensions)} (any case).");
        }
        return new ImageFolderDataset(name, root, classes, files.ToArray(), labels.ToArray()) { MaxPixels = maxPixels };
    }

    // A folder that cannot be listed is bad input, named, not a crash.
    static string[] Listed(string folder, Func<string[]> list)
    {
        try
        {
            return list();
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new InputException("data", $"cannot read the folder '{folder}' ({e.Message}); expected a readable folder of images.", e);
        }
    }

    /// <summary>The most pixels an image header may declare; larger images are refused before decoding.</summary>
    public long MaxPixels { get; private init; } = ImageFileCheck.DefaultMaxPixels;

    /// <inheritdoc />
    public string ContentStamp()
    {
        var text = new System.Text.StringBuilder();
        foreach (string file in files)
        {
            var info = new FileInfo(file);
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{Path.GetRelativePath(Source, file)}\t{(info.Exists ? info.Length : -1)}\t{(info.Exists ? info.LastWriteTimeUtc.Ticks : 0)}\n");
        }
        return "list-sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <inheritdoc />
    public ulong? SourceHash(int index)
    {
        try
        {
            var hash = new System.IO.Hashing.XxHash3();
            using FileStream stream = new(files[index], FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            hash.Append(stream);
            return hash.GetCurrentHashAsUInt64();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0; // unreadable now: never equal to a real file's hash, so the cache decodes it again and reports it
        }
    }

    /// <summary>The image file at <paramref name="index"/>.</summary>
    public string PathAt(int index) => files[index];

    /// <inheritdoc />
    public int LabelAt(int index) => labels[index];

    /// <inheritdoc />
    public RgbImage Decode(int index)
    {
        return RgbImage.Load(files[index], MaxPixels);
    }

    /// <inheritdoc />
    public void Prepare(int index, PreprocessPolicy policy, Span<byte> destination)
    {
        using EncodedImage file = EncodedImage.Open(files[index], MaxPixels);
        InputPlan plan = InputPlan.For(file.Width, file.Height, policy);
        using PixelRegion region = file.ReadRegion(plan.Left, plan.Top, plan.Width, plan.Height);
        plan.Run(region.Pixels, 4, region.RowStride, region.OriginX, region.OriginY, destination);
    }

    /// <inheritdoc />
    public string Describe(int index) => files[index];

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
