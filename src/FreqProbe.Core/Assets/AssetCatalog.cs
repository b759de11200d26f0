namespace FreqProbe.Core.Assets;

/// <summary>
/// The assets <c>freqprobe fetch</c> knows: CIFAR-10's binary release and torchvision's ResNet weights. URLs and
/// checksums are the publishers' (the Toronto CIFAR page's MD5; the SHA-256 prefixes in torchvision's file names).
/// </summary>
public static class AssetCatalog
{
    const string Torchvision = "https://download.pytorch.org/models/";

    static readonly Registry<AssetSpec> Specs = new("asset", null, Build().Select(s => (s.Key, s.Value)));

    /// <summary>Every asset, by name.</summary>
    public static IReadOnlyCollection<AssetSpec> All => Specs.All;

    /// <summary>The names, sorted.</summary>
    public static IReadOnlyCollection<string> Names => Specs.Names;

    /// <summary>The asset called <paramref name="name"/>; an unknown name lists the valid ones.</summary>
    public static AssetSpec Get(string name) => Specs.TryGet(name, out AssetSpec spec)
        ? spec
        : throw new InputException($"fetch: {Specs.Unknown(name).Message}");

    /// <summary>The torchvision weights asset for a registry model, or null when torchvision has none.</summary>
    public static AssetSpec? TorchvisionWeightsFor(string model, bool v2 = false) =>
        Specs.TryGet(v2 ? model + "-v2" : model, out AssetSpec spec) && spec.Kind == AssetKind.Weights ? spec : null;

    static SortedDictionary<string, AssetSpec> Build()
    {
        var specs = new SortedDictionary<string, AssetSpec>(StringComparer.Ordinal);
        void Add(AssetSpec spec) => specs.Add(spec.Name, spec);
        Add(new AssetSpec("cifar10", "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz", ChecksumKind.Md5,
            "c32a1d4ab5d03f1284b67883e8d87530", AssetKind.Archive, "CIFAR-10 binary version (163 MB), unpacked to cifar-10-batches-bin/"));
        (string Name, string File, string Note)[] weights =
        {
            ("resnet18", "resnet18-f37072fd.pth", "IMAGENET1K_V1"),
            ("resnet34", "resnet34-b627a593.pth", "IMAGENET1K_V1"),
            ("resnet50", "resnet50-0676ba61.pth", "IMAGENET1K_V1, the weights of the original studies"),
            ("resnet50-v2", "resnet50-11ad3fa6.pth", "IMAGENET1K_V2, torchvision's newer training recipe"),
            ("resnet101", "resnet101-63fe2227.pth", "IMAGENET1K_V1"),
            ("resnet101-v2", "resnet101-cd907fc2.pth", "IMAGENET1K_V2"),
            ("resnet152", "resnet152-394f9c45.pth", "IMAGENET1K_V1"),
            ("resnet152-v2", "resnet152-f82ba261.pth", "IMAGENET1K_V2"),
        };
        foreach ((string name, string file, string note) in weights)
        {
            string prefix = file[(file.LastIndexOf('-') + 1)..file.LastIndexOf('.')];
            // torchvision's own transforms for the V2 weights resize the shorter side to 232 (crop 224); V1 uses 256.
            Add(new AssetSpec(name, Torchvision + file, ChecksumKind.Sha256Prefix, prefix, AssetKind.Weights, $"torchvision {name.Replace("-v2", "", StringComparison.Ordinal)} weights ({note})")
            {
                EvalResize = name.EndsWith("-v2", StringComparison.Ordinal) ? 232 : null,
            });
        }
        return specs;
    }
}
