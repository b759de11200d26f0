namespace FreqProbe.Core.Datasets;

/// <summary>Datasets by name. An unknown name fails with the list of valid names.</summary>
public static class DatasetRegistry
{
    sealed record Entry(string Description, bool NeedsData, Func<DatasetOptions, IImageDataset> Open)
    {
        // The side of its images when every image has one (32 for CIFAR-10 and the synthetic set); null for photos of any size.
        public int? NativeSize { get; init; }
    }

    static readonly Registry<Entry> Entries = new("dataset", "dataset", new Dictionary<string, Entry>
    {
        ["cifar10"] = new("CIFAR-10 binary batches (test_batch.bin, data_batch_1..5.bin); --split test|train", true,
            o => Cifar10BinaryDataset.Open(o.DataPath!, o.Split)) { NativeSize = 32 },
        ["imagefolder"] = new("root/<class>/*.{jpg,jpeg,png,bmp,webp}; classes from --classes or sorted folder names", true,
            o => ImageFolderDataset.Open(o.DataPath!, o.ClassesFile is null ? null : ClassList.Load(o.ClassesFile), maxPixels: o.MaxImagePixels)),
        ["imagenet"] = new("an image folder of ImageNet-1k wnid folders, labels from the built-in class list", true,
            o => ImageFolderDataset.Open(o.DataPath!, o.ClassesFile is null ? ClassList.ImageNet1k : ClassList.Load(o.ClassesFile), "imagenet", o.MaxImagePixels)),
        ["synthetic"] = new("built-in known-answer 32x32 set: 5 shape classes (low frequencies only) and 5 texture classes (>= 10 cycles/image); --split test|train", false,
            o => new SyntheticDataset(o.Split, o.GeneratedCount, o.Seed)) { NativeSize = 32 },
    }.Select(e => (e.Key, e.Value)));

    /// <summary>The registered names, sorted.</summary>
    public static IReadOnlyCollection<string> Names => Entries.Names;

    /// <summary>A one-line description of each dataset, for help text.</summary>
    public static string Describe(string name) => Entries.Get(name).Description;

    /// <summary>The side in pixels every image of the dataset has (CIFAR-10, synthetic: 32), or null when images come in any size (photos).</summary>
    public static int? NativeSize(string name) => Get(name).NativeSize;

    /// <summary>True when the dataset reads files and so needs --data.</summary>
    public static bool NeedsData(string name) => Get(name).NeedsData;

    /// <summary>Opens the dataset described by <paramref name="options"/>.</summary>
    public static IImageDataset Open(DatasetOptions options)
    {
        Entry entry = Get(options.Name);
        if (entry.NeedsData && string.IsNullOrEmpty(options.DataPath))
        {
            throw new InputException("data", $"dataset '{options.Name}' needs --data DIR ({entry.Description}).");
        }
        IImageDataset dataset = entry.Open(options);
        return options.ShuffleLabelsSeed is { } seed ? new RelabeledDataset(dataset, seed) : dataset;
    }

    static Entry Get(string name) => Entries.Get(name);
}
