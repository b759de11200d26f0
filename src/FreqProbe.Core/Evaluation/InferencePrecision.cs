using static TorchSharp.torch;

namespace FreqProbe.Core.Evaluation;

/// <summary>The forward pass's number format: the model's weights and inputs are cast to it, logits come back as fp32.</summary>
public static class InferencePrecision
{
    /// <summary>The accepted names.</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { "fp32", "fp16", "bf16" };

    /// <summary>The libtorch type for <paramref name="name"/>; anything else is an <see cref="InputException"/>.</summary>
    public static ScalarType Parse(string name) => name switch
    {
        "fp32" => ScalarType.Float32,
        "fp16" => ScalarType.Float16,
        "bf16" => ScalarType.BFloat16,
        _ => throw new InputException($"--precision: '{name}' is not one of {string.Join(", ", Names)}."),
    };

    /// <summary>A forward function that runs <paramref name="model"/> at <paramref name="type"/> on fp32 input and returns fp32 logits.</summary>
    public static Func<Tensor, Tensor> Forward(nn.Module<Tensor, Tensor> model, ScalarType type) =>
        type == ScalarType.Float32 ? model.forward : input => model.forward(input.to(type)).to(ScalarType.Float32);
}
