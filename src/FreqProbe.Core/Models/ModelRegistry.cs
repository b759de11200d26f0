using FreqProbe.Core.Datasets;

namespace FreqProbe.Core.Models;

/// <summary>Models by name (CONVENTIONS.md, "Model layouts"). An unknown name fails with the list of valid names.</summary>
public static class ModelRegistry
{
    static readonly float[] ImageNetMean = { 0.485f, 0.456f, 0.406f };
    static readonly float[] ImageNetStd = { 0.229f, 0.224f, 0.225f };
    static readonly float[] CifarMean = { 0.4914f, 0.4822f, 0.4465f };
    static readonly float[] CifarStd = { 0.2470f, 0.2435f, 0.2616f };

    static readonly Registry<ModelSpec> Specs = new("model", "model", Build().Select(s => (s.Key, s.Value)));

    /// <summary>The name of the model kind that loads TorchScript archives.</summary>
    public const string TorchScript = TorchScriptKind.KindName;

    /// <summary>Every registered model, sorted by name.</summary>
    public static IReadOnlyCollection<ModelSpec> All => Specs.All;

    /// <summary>The registered names, sorted.</summary>
    public static IReadOnlyCollection<string> Names => Specs.Names;

    /// <summary>The architectures FreqProbe implements (they can be created and trained), sorted by name.</summary>
    public static IReadOnlyList<string> Architectures { get; } = Specs.All.Where(s => !s.IsArchive).Select(s => s.Name).ToArray();

    /// <summary>The model called <paramref name="name"/>.</summary>
    public static ModelSpec Get(string name) => Specs.Get(name);

    static SortedDictionary<string, ModelSpec> Build()
    {
        var specs = new SortedDictionary<string, ModelSpec>(StringComparer.Ordinal);
        var torchvision = new (int Depth, bool Bottleneck, int[] Blocks)[]
        {
            (18, false, new[] { 2, 2, 2, 2 }),
            (34, false, new[] { 3, 4, 6, 3 }),
            (50, true, new[] { 3, 4, 6, 3 }),
            (101, true, new[] { 3, 4, 23, 3 }),
            (152, true, new[] { 3, 8, 36, 3 }),
        };
        foreach ((int depth, bool bottleneck, int[] blocks) in torchvision)
        {
            Add(specs, new ModelSpec($"resnet{depth}", $"torchvision ResNet-{depth} (ImageNet layout, 224x224)",
                PreprocessPolicy.ResizeAndCentreCrop(224), ImageNetMean, ImageNetStd,
                classes => new ResNet(bottleneck, blocks, classes, cifarStem: false)));
            if (depth <= 50)
            {
                Add(specs, new ModelSpec($"cifar-resnet{depth}", $"ResNet-{depth} with a 3x3 stride-1 stem and no max-pool (32x32)",
                    PreprocessPolicy.Native(32), CifarMean, CifarStd,
                    classes => new ResNet(bottleneck, blocks, classes, cifarStem: true)) { DefaultDataset = "cifar10" });
            }
        }
        foreach (int depth in new[] { 20, 32, 44, 56 })
        {
            Add(specs, new ModelSpec($"cifar-resnet{depth}", $"He et al. (2016) CIFAR ResNet-{depth}, 16/32/64 channels (32x32)",
                PreprocessPolicy.Native(32), CifarMean, CifarStd,
                classes => new CifarResNet(depth, classes)) { DefaultDataset = "cifar10" });
        }
        Add(specs, new ModelSpec("cifar-odresnet20", "CIFAR ResNet-20 whose 3x3 block convolutions are ODConv banks of 4 kernels (Li et al. 2022; 32x32)",
            PreprocessPolicy.Native(32), CifarMean, CifarStd,
            classes => new CifarResNet(20, classes, CifarResNet.OdConv(4))) { DefaultDataset = "cifar10" });
        Add(specs, new ModelSpec("cifar-odresnet20-copies", "cifar-odresnet20 whose 4 kernels per bank start as copies of one kernel plus 10% noise (32x32)",
            PreprocessPolicy.Native(32), CifarMean, CifarStd,
            classes => new CifarResNet(20, classes, CifarResNet.OdConvFromCopies(4))) { DefaultDataset = "cifar10" });
        Add(specs, new ModelSpec("cifar-fdresnet20", "CIFAR ResNet-20 whose 3x3 block convolutions are FDConv layers of 4 Fourier-disjoint groups (Chen et al. 2025; 32x32)",
            PreprocessPolicy.Native(32), CifarMean, CifarStd,
            classes => new CifarResNet(20, classes, CifarResNet.FdConv(4))) { DefaultDataset = "cifar10" });
        foreach (IModelFileKind kind in ModelFileKinds.All)
        {
            Add(specs, new ModelSpec(kind.Name, kind.Description, null, null, null, null) { DefaultDataset = null, FileKind = kind });
        }
        return specs;
    }

    static void Add(SortedDictionary<string, ModelSpec> specs, ModelSpec spec) => specs.Add(spec.Name, spec);
}
