using FreqProbe.Core.Models;
using static TorchSharp.torch;

using FreqProbe.Core.Onnx;

namespace FreqProbe.Core.Models;

/// <summary>
/// ONNX models (torch.onnx.export, Hugging Face Optimum, tf2onnx, JAX and PaddlePaddle converters) as a model kind:
/// ONNX Runtime runs them (<see cref="OnnxNetwork"/>), FreqProbe reads their initializers (<see cref="OnnxModelFile"/>).
/// </summary>
public sealed class OnnxKind : IModelFileKind
{
    /// <summary>The registry name.</summary>
    public const string KindName = "onnx";

    /// <inheritdoc />
    public string Name => KindName;

    /// <inheritdoc />
    public string Description => "any classifier exported to ONNX (PyTorch, TensorFlow, JAX...), run by ONNX Runtime; its data config comes from the card beside it";

    /// <inheritdoc />
    public string FileDescription => "an ONNX model";

    /// <inheritdoc />
    public string ModelDescription => "an ONNX model";

    /// <inheritdoc />
    public string Producer => "torch.onnx.export";

    /// <inheritdoc />
    public string Exporter => "scripts/export_model.py --format onnx";

    /// <inheritdoc />
    public bool Recognises(string path) => OnnxModelFile.Is(path);

    /// <inheritdoc />
    public string WhyNot(string path) => OnnxModelFile.WhyNot(path);

    /// <inheritdoc />
    public nn.Module<Tensor, Tensor> Open(string path) => OnnxNetwork.Open(path, get_num_threads());

    /// <summary>
    /// The graph's float initializers, read from the file; a convolution's weight that the exporter named after a number
    /// (<c>onnx::Conv_193</c>, after folding BatchNorm) is named after its node instead (<c>/layer1/layer1.0/conv1/Conv.weight</c>).
    /// </summary>
    public IEnumerable<(string Name, Tensor Value)> NamedWeights(nn.Module<Tensor, Tensor> network)
    {
        string path = ((OnnxNetwork)network).Path;
        OnnxModelFile file = OnnxModelFile.Read(path);
        var convolutionOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (OnnxModelFile.Node node in file.Nodes.Where(n => n.OpType == "Conv" && n.Inputs.Count >= 2 && n.Name.Length > 0))
        {
            convolutionOf.TryAdd(node.Inputs[1], node.Name + ".weight");
        }
        foreach (OnnxModelFile.Initializer initializer in file.Initializers.Where(i => i.DataType is OnnxModelFile.Float or OnnxModelFile.Double))
        {
            string name = initializer.Name.StartsWith("onnx::", StringComparison.Ordinal) && convolutionOf.TryGetValue(initializer.Name, out string? conv) ? conv : initializer.Name;
            yield return (name, tensor(initializer.ReadFloats(), initializer.Dims.ToArray()));
        }
    }

    /// <inheritdoc />
    public string ErrorLine(string message) => OnnxNetwork.ErrorLine(message);
}
