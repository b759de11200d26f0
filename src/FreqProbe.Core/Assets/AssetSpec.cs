namespace FreqProbe.Core.Assets;

/// <summary>How an asset's download is verified.</summary>
public enum ChecksumKind
{
    /// <summary>The full MD5 of the file, lower-case hex (as published for CIFAR-10).</summary>
    Md5,
    /// <summary>A prefix of the file's SHA-256, as torchvision embeds in its weight file names.</summary>
    Sha256Prefix,
}

/// <summary>What a downloaded file becomes in the cache.</summary>
public enum AssetKind
{
    /// <summary>A .tar.gz unpacked into a folder.</summary>
    Archive,
    /// <summary>A weights file kept as it is.</summary>
    Weights,
}

/// <summary>
/// A downloadable asset: where it comes from, how it is checked, and where it goes in the cache
/// (<c>weights/FILE</c> or <c>datasets/NAME/</c>).
/// </summary>
public sealed record AssetSpec(string Name, string Url, ChecksumKind ChecksumKind, string Checksum, AssetKind Kind, string Description)
{
    /// <summary>
    /// For weights: the shorter-side resize of the publisher's evaluation transforms before the centre crop (torchvision's
    /// IMAGENET1K_V2 ResNets: 232 for a 224 crop), or null for the model's own (256 for 224).
    /// </summary>
    public int? EvalResize { get; init; }

    /// <summary>The file name at the end of the URL.</summary>
    public string FileName => Path.GetFileName(new Uri(Url).AbsolutePath);

    /// <summary>Where to download it: the publisher's URL, or the same file name under <paramref name="mirror"/>.</summary>
    public Uri At(string? mirror) => mirror is null ? new Uri(Url) : new Uri(mirror.TrimEnd('/') + "/" + FileName);
}
