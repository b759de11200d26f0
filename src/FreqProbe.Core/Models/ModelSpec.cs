using FreqProbe.Core.Datasets;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Models;

/// <summary>
/// A registered architecture and the data configuration it owns: input size, resize/crop policy, mean and std
/// (in [0,1] pixel units, per RGB channel).
/// </summary>
public sealed record ModelSpec(
    string Name,
    string Description,
    PreprocessPolicy Preprocess,
    IReadOnlyList<float> Mean,
    IReadOnlyList<float> Std,
    Func<int, nn.Module<Tensor, Tensor>> Factory)
{
    /// <summary>The dataset the model is made for, used when none is given: imagenet or cifar10.</summary>
    public string DefaultDataset { get; init; } = "imagenet";

    /// <summary>Classifier outputs when neither a model card nor a dataset says: 1000 for ImageNet models, 10 for CIFAR ones.</summary>
    public int DefaultClasses => DefaultDataset == "imagenet" ? 1000 : 10;

    /// <summary>Builds the network with random (TorchSharp default) weights and <paramref name="numClasses"/> outputs.</summary>
    public nn.Module<Tensor, Tensor> Create(int numClasses) => Factory(numClasses);
}
