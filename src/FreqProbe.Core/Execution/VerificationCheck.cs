using FreqProbe.Core.Models;
using System.Globalization;

namespace FreqProbe.Core.Execution;

/// <summary>
/// One known-answer check. Either a convolution (<see cref="Shape"/> computed by <see cref="Kernel"/>) or a whole
/// model that brings its own code (<see cref="Model"/>, run in <see cref="Layout"/>), both at
/// <see cref="Precision"/> (fp32, fp16, bf16).
/// </summary>
public sealed record VerificationCheck
{
    /// <summary>The convolution, or null for a model check.</summary>
    public ConvolutionShape? Shape { get; init; }

    /// <summary>The kernel under test (convolution checks).</summary>
    public ConvolutionKernel Kernel { get; init; }

    /// <summary>The model under test, or null for a convolution check.</summary>
    public ModelUnderTest? Model { get; init; }

    /// <summary>The layout under test (model checks): nhwc or nchw.</summary>
    public string Layout { get; init; } = "nchw";

    /// <summary>
    /// Whether the check is of the gradient with respect to the input (the backward pass of the convolution or the
    /// model) instead of the output; the backward pass runs other kernels than the forward.
    /// </summary>
    public bool Gradient { get; init; }

    /// <summary>The engine under test (model checks): torch, or onnxruntime for an ONNX graph (<see cref="Engines"/>).</summary>
    public string Engine { get; init; } = Engines.Torch;

    /// <summary>fp32, fp16 or bf16.</summary>
    public string Precision { get; init; } = InferencePrecision.Default;

    /// <summary>The verdict's key: what was checked, at which shape, path and precision.</summary>
    public string Key => (Shape is { } shape
        ? $"conv {shape.Key} {Kernel} {Precision}"
        : string.Create(CultureInfo.InvariantCulture, $"model {Model!.WeightsSha256} n{Model.Batch} s{Model.InputSize} c{Model.Classes} {Layout} {Precision}"))
        + (Gradient ? " input-gradient" : "") + (Engine == Engines.Torch ? "" : " " + Engine);

    /// <summary>For people: the convolution or model and the path.</summary>
    public string Describe() => (Shape is { } shape
        ? $"{shape} by {KernelName(Kernel)} at {Precision}"
        : string.Create(CultureInfo.InvariantCulture, $"'{Model!.WeightsPath}' on {Model.Batch}×3×{Model.InputSize}×{Model.InputSize} in {(Engine == Engines.OnnxRuntime ? "ONNX Runtime" : Engine == Engines.OnnxRuntimeCuda ? "ONNX Runtime on CUDA" : Layout)} at {Precision}"))
        + (Gradient ? ", gradient with respect to the input" : "");

    /// <summary>How messages name a kernel.</summary>
    public static string KernelName(ConvolutionKernel kernel) => kernel switch
    {
        ConvolutionKernel.ChannelsFirst => "channels-first (nchw)",
        ConvolutionKernel.ChannelsLast => "channels-last (nhwc)",
        ConvolutionKernel.MatrixProduct => "the channels-last matrix product",
        _ => kernel.ToString(),
    };
}

/// <summary>A model that brings its own code (a TorchScript archive), for a whole-model check.</summary>
/// <param name="ModelName">The registry name that opens it.</param>
/// <param name="WeightsPath">The archive.</param>
/// <param name="WeightsSha256">The archive's SHA-256 (part of the verdict key).</param>
/// <param name="Classes">Model outputs.</param>
/// <param name="InputSize">Input side in pixels.</param>
/// <param name="Batch">Images per forward pass.</param>
public sealed record ModelUnderTest(string ModelName, string WeightsPath, string WeightsSha256, int Classes, int InputSize, long Batch);
