using System.Globalization;
using static TorchSharp.torch;

namespace FreqProbe.Core.Models;

/// <summary>
/// The check scripts/export_model.py runs before it writes a file: the logits FreqProbe computes for a batch with the
/// exported model (ONNX in ONNX Runtime, TorchScript in libtorch), as raw little-endian float32, for the script to compare
/// with eager PyTorch. Not a user command.
/// </summary>
public static class ExportCheck
{
    /// <summary>The hidden command's name.</summary>
    public const string Command = "check-export";

    /// <summary>
    /// Runs <paramref name="model"/> on the [<paramref name="images"/>, 3, <paramref name="size"/>, <paramref name="size"/>]
    /// float32 batch in <paramref name="inputPath"/> and writes its [images, <paramref name="classes"/>] logits to <paramref name="outputPath"/>.
    /// </summary>
    public static void Run(string model, string inputPath, int images, int size, int classes, string outputPath)
    {
        IModelFileKind kind = ModelFileKinds.Of(model) ?? throw new InputException("weights", $"'{model}' is not a model file FreqProbe runs; expected an ONNX model or a TorchScript archive.");
        byte[] bytes = File.ReadAllBytes(inputPath);
        long expected = (long)images * 3 * size * size * 4;
        if (bytes.Length != expected)
        {
            throw new InputException("input", string.Create(CultureInfo.InvariantCulture, $"'{inputPath}' holds {bytes.Length} bytes; expected {expected} ({images} x 3 x {size} x {size} float32)."));
        }
        using nn.Module<Tensor, Tensor> network = kind.Open(model);
        using var noGrad = no_grad();
        using Tensor input = empty(new long[] { images, 3, size, size });
        bytes.CopyTo(input.bytes);
        using Tensor logits = network.forward(input).contiguous();
        if (logits.dim() != 2 || logits.shape[0] != images || logits.shape[1] != classes)
        {
            throw new InputException("weights", $"'{model}' returns [{string.Join(", ", logits.shape)}]; expected [{images}, {classes}].");
        }
        File.WriteAllBytes(outputPath, logits.bytes.ToArray());
    }
}
