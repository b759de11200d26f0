namespace FreqProbe.Core.Assets;

/// <summary>
/// FreqProbe's cache: <c>weights/FILE</c> for weight files, <c>datasets/NAME/</c> for unpacked archives,
/// <c>downloads/FILE.part</c> for transfers in progress. The root is <c>--cache-dir</c>, else <c>$FREQPROBE_HOME</c>,
/// else <c>~/.cache/freqprobe</c>. Nothing is downloaded implicitly: lookups that miss name the fetch command.
/// </summary>
public sealed class AssetCache(string root)
{
    /// <summary>$FREQPROBE_HOME, or ~/.cache/freqprobe.</summary>
    public static string DefaultRoot => RootFrom(Environment.GetEnvironmentVariable);

    /// <summary>$FREQPROBE_HOME as <paramref name="variable"/> reads it, or ~/.cache/freqprobe.</summary>
    public static string RootFrom(Func<string, string?> variable) =>
        variable("FREQPROBE_HOME") is { Length: > 0 } home
            ? home
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "freqprobe");

    /// <summary>The cache at <see cref="DefaultRoot"/>.</summary>
    public static AssetCache Default => new(DefaultRoot);

    /// <summary>The cache folder.</summary>
    public string Root { get; } = root;

    /// <summary>Where an asset ends up: the weights file, or the folder an archive is unpacked into.</summary>
    public string FinalPath(AssetSpec spec) => spec.Kind == AssetKind.Weights
        ? Path.Combine(Root, "weights", spec.FileName)
        : Path.Combine(Root, "datasets", spec.Name);

    /// <summary>Where a download in progress is kept, so that it can resume.</summary>
    public string PartialPath(AssetSpec spec) => Path.Combine(Root, "downloads", spec.FileName + ".part");

    /// <summary>True when the asset is in the cache, complete.</summary>
    public bool Has(AssetSpec spec) => spec.Kind == AssetKind.Weights
        ? File.Exists(FinalPath(spec))
        : File.Exists(Path.Combine(FinalPath(spec), CompleteMarker));

    /// <summary>The marker written last into an unpacked archive's folder.</summary>
    public const string CompleteMarker = ".freqprobe-complete";

    /// <summary>Where <c>freqprobe prepare imagenet-val</c> writes without --out: <c>datasets/imagenet</c> (images in its <c>val/</c>).</summary>
    public string ImageNetRoot => Path.Combine(Root, "datasets", "imagenet");

    /// <summary>The ImageNet validation folders (<c>val/&lt;wnid&gt;/</c>) that the imagenet dataset reads without --data.</summary>
    public string ImageNetValFolder => Path.Combine(ImageNetRoot, "val");

    /// <summary>The cached CIFAR-10 batches folder, or null when CIFAR-10 has not been fetched.</summary>
    public string? Cifar10Folder()
    {
        AssetSpec spec = AssetCatalog.Get("cifar10");
        return Has(spec) ? Path.Combine(FinalPath(spec), "cifar-10-batches-bin") : null;
    }
}
