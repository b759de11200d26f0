using static TorchSharp.torch;

namespace FreqProbe.Core.Models;

/// <summary>
/// A kind of model file that is the whole network (TorchScript today): everything the rest of FreqProbe asks of a
/// kind, so that the resolver, the session, the finite-weights check and <c>kernels</c> never name one. A new kind is
/// an implementation of this, its line in <see cref="ModelFileKinds.All"/> and its tests; its
/// <see cref="ModelSpec"/> (name, description, no data config of its own: that comes from the card beside the file
/// and the command line) is made from it.
/// </summary>
public interface IModelFileKind
{
    /// <summary>The registry name, given as <c>--model NAME</c> and written in cards (<c>torchscript</c>).</summary>
    string Name { get; }

    /// <summary>What the kind is, for <c>--help</c> and the model list.</summary>
    string Description { get; }

    /// <summary>What such a file is, with its article, for messages: "a TorchScript archive".</summary>
    string FileDescription { get; }

    /// <summary>What the model in such a file is, with its article, for messages: "a TorchScript model".</summary>
    string ModelDescription { get; }

    /// <summary>What writes such files, for messages: "torch.jit.save".</summary>
    string Producer { get; }

    /// <summary>The script in this repository that exports a model to this kind with its card: "scripts/export_model.py".</summary>
    string Exporter { get; }

    /// <summary>Whether <paramref name="path"/> is a file of this kind, judged by its contents, never its extension; false for anything unreadable.</summary>
    bool Recognises(string path);

    /// <summary>Why <paramref name="path"/> is not a file of this kind, in words (called when <see cref="Recognises"/> is false).</summary>
    string WhyNot(string path);

    /// <summary>
    /// The network in <paramref name="path"/>, on the CPU in eval mode (the session moves it to its device and
    /// precision). A damaged, forged or unloadable file raises an <see cref="InputException"/> naming it.
    /// </summary>
    nn.Module<Tensor, Tensor> Open(string path);

    /// <summary>The network's weights by name, for the finite-weights check and for <c>kernels</c>.</summary>
    IEnumerable<(string Name, Tensor Value)> NamedWeights(nn.Module<Tensor, Tensor> network);

    /// <summary>The line of an engine error message that says what went wrong, for messages that quote it.</summary>
    string ErrorLine(string message);
}
