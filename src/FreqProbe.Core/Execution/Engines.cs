namespace FreqProbe.Core.Execution;

/// <summary>The engines that run a forward pass (--engine).</summary>
public static class Engines
{
    /// <summary>ONNX Runtime where it verifies and serves the run, else libtorch.</summary>
    public const string Auto = "auto";

    /// <summary>libtorch (TorchSharp), with FreqProbe's layer-by-layer kernel choice.</summary>
    public const string Torch = "torch";

    /// <summary>ONNX Runtime.</summary>
    public const string OnnxRuntime = "onnxruntime";

    /// <summary>ONNX Runtime on its CUDA execution provider (verification checks only; --engine onnxruntime with --device cuda).</summary>
    public const string OnnxRuntimeCuda = "onnxruntime-cuda";

    /// <summary>The accepted --engine values.</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { Auto, Torch, OnnxRuntime };
}
