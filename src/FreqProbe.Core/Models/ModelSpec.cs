using FreqProbe.Core.Datasets;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Models;

/// <summary>
/// A kind of model in the registry and the data configuration it owns (timm's <c>pretrained_cfg</c>): input size,
/// resize/crop and interpolation, mean and std (in [0,1] pixel units, per RGB channel), class count and label space.
/// An architecture FreqProbe implements has a <see cref="Factory"/> and binds a state dict; a model kind whose file
/// carries the network (TorchScript) has a <see cref="FileKind"/> instead, and no data configuration of its own: that
/// comes from the card beside the file and the command line.
/// </summary>
public sealed record ModelSpec(
    string Name,
    string Description,
    PreprocessPolicy? Preprocess,
    IReadOnlyList<float>? Mean,
    IReadOnlyList<float>? Std,
    Func<int, nn.Module<Tensor, Tensor>>? Factory)
{
    /// <summary>The label space the model is made for, used when no dataset is given: imagenet or cifar10; null when the card must say.</summary>
    public string? DefaultDataset { get; init; } = "imagenet";

    /// <summary>Classifier outputs when neither a model card nor a dataset says: 1000 for ImageNet models, 10 for CIFAR ones; null when the card must say.</summary>
    public int? DefaultClasses => DefaultDataset switch { "imagenet" => 1000, "cifar10" => 10, _ => null };

    /// <summary>The kind of file that carries the whole network (TorchScript); null for architectures, whose file is a state dict.</summary>
    public IModelFileKind? FileKind { get; init; }

    /// <summary>True when the weights file is the network itself (<see cref="FileKind"/>), not a state dict for <see cref="Factory"/>.</summary>
    public bool IsArchive => FileKind is not null;

    /// <summary>The weights of <paramref name="network"/> (opened by <see cref="Open"/>) by name: its kind's, or an architecture's state dict.</summary>
    public IEnumerable<(string Name, Tensor Value)> NamedWeights(nn.Module<Tensor, Tensor> network) =>
        FileKind?.NamedWeights(network) ?? network.state_dict().Select(p => (p.Key, p.Value));

    /// <summary>The line of an engine error that says what went wrong, as this model's kind reads its engine's messages.</summary>
    public string ErrorLine(string message) => FileKind?.ErrorLine(message) ?? Native.LibTorchErrors.Line(message);

    /// <summary>Builds the network with random (TorchSharp default) weights and <paramref name="numClasses"/> outputs.</summary>
    public nn.Module<Tensor, Tensor> Create(int numClasses) =>
        Factory?.Invoke(numClasses) ?? throw new InvalidOperationException($"{Name} loads its network from a file; it has no architecture to create");

    /// <summary>
    /// The network with its weights, on the CPU: an architecture with <paramref name="numClasses"/> outputs and the state
    /// dict at <paramref name="weightsPath"/> bound strictly (random weights when it is null), or the archive at
    /// <paramref name="weightsPath"/>. Bad files raise <see cref="InputException"/>.
    /// </summary>
    public nn.Module<Tensor, Tensor> Open(int numClasses, string? weightsPath)
    {
        if (FileKind is not null)
        {
            return FileKind.Open(weightsPath ?? throw new InputException("weights", $"{Name} loads its network from --weights FILE; expected {FileKind.FileDescription}."));
        }
        nn.Module<Tensor, Tensor> model = Create(numClasses);
        try
        {
            if (weightsPath is not null) StateDictBinder.LoadFile(model, weightsPath);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
