using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Execution;

/// <summary>The forward pass's number format: the model's weights and inputs are cast to it, logits come back as fp32.</summary>
public static class InferencePrecision
{
    /// <summary>The default precision (the settings table's default for --precision, and what a file that names none means).</summary>
    public const string Default = "fp32";

    /// <summary>The accepted names.</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { Default, "fp16", "bf16" };

    /// <summary>The libtorch type for <paramref name="name"/>; anything else is an <see cref="InputException"/>.</summary>
    public static ScalarType Parse(string name) => name switch
    {
        Default => ScalarType.Float32,
        "fp16" => ScalarType.Float16,
        "bf16" => ScalarType.BFloat16,
        _ => throw new InputException("precision", $"'{name}' is not one of {string.Join(", ", Names)}."),
    };

    /// <summary>The accepted memory layouts.</summary>
    public static IReadOnlyList<string> Layouts { get; } = new[] { "nhwc", "nchw" };

    /// <summary>
    /// Prepares a model that brings its own code (a TorchScript archive; already on its device, in eval mode) for
    /// inference at <paramref name="precision"/> (fp32, fp16, bf16) and <paramref name="layout"/> (nhwc, nchw), and
    /// returns a forward function that takes fp32 NCHW input and returns fp32 logits.
    /// </summary>
    /// <remarks>
    /// This runs whatever kernels the backend picks, unverified: sessions reach it only through
    /// <see cref="Execution.ExecutionPlan"/>, after the path was checked. Native models, whose BatchNorms the plan folds
    /// and whose convolutions it assigns kernels layer by layer, are refused here.
    /// </remarks>
    public static Func<Tensor, Tensor> Prepare(nn.Module<Tensor, Tensor> model, string precision, string layout)
    {
        if (model.modules().Any(m => m is Models.PlannedConv2d))
            throw new InvalidOperationException("native models run through ExecutionPlan.Prepare, which verifies each layer's kernel");
        ScalarType type = Parse(precision);
        if (!Layouts.Contains(layout)) throw new InputException("layout", $"'{layout}' is not one of {string.Join(", ", Layouts)}.");
        if (type != ScalarType.Float32) model.to(type);
        bool channelsLast = layout == "nhwc";
        if (channelsLast) Models.MemoryLayout.ToChannelsLast(model);
        return Forward(model, type, channelsLast);
    }

    /// <summary>
    /// The forward function of a prepared <paramref name="model"/>: fp32 NCHW input cast to <paramref name="type"/> and
    /// laid out channels-last when <paramref name="channelsLast"/>, logits back as fp32.
    /// </summary>
    public static Func<Tensor, Tensor> Forward(nn.Module<Tensor, Tensor> model, ScalarType type, bool channelsLast)
    {
        return input =>
        {
            Tensor x = type == ScalarType.Float32 ? input : input.to(type);
            Tensor logits;
            using (ForwardWatchdog.Enter()) logits = model.forward(channelsLast ? Models.MemoryLayout.ChannelsLast(x) : x);
            return type == ScalarType.Float32 ? logits : logits.to(ScalarType.Float32);
        };
    }
}
