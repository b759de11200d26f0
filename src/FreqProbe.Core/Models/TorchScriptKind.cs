using static TorchSharp.torch;

namespace FreqProbe.Core.Models;

/// <summary>TorchScript archives (torch.jit.save, traced or scripted) as a model kind: <see cref="TorchScriptArchive"/> does the work.</summary>
public sealed class TorchScriptKind : IModelFileKind
{
    /// <summary>The registry name.</summary>
    public const string KindName = "torchscript";

    /// <inheritdoc />
    public string Name => KindName;

    /// <inheritdoc />
    public string Description => "any classifier saved with torch.jit (traced or scripted); its data config comes from the card beside it";

    /// <inheritdoc />
    public string FileDescription => "a TorchScript archive";

    /// <inheritdoc />
    public string ModelDescription => "a TorchScript model";

    /// <inheritdoc />
    public string Producer => "torch.jit.save";

    /// <inheritdoc />
    public string Exporter => "scripts/export_model.py";

    /// <inheritdoc />
    public bool Recognises(string path) => TorchScriptArchive.Is(path);

    /// <inheritdoc />
    public string WhyNot(string path) => TorchScriptArchive.WhyNot(path);

    /// <inheritdoc />
    public nn.Module<Tensor, Tensor> Open(string path) => TorchScriptArchive.Load(path);

    /// <inheritdoc />
    public IEnumerable<(string Name, Tensor Value)> NamedWeights(nn.Module<Tensor, Tensor> network) =>
        network.state_dict().Select(p => (p.Key, p.Value));

    /// <inheritdoc />
    public string ErrorLine(string message) => Native.LibTorchErrors.Line(message);
}
