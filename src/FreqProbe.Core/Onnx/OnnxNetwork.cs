using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using TensorElementType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Onnx;

/// <summary>
/// An ONNX model run by ONNX Runtime, as a FreqProbe network: fp32 images [N, 3, H, W] in, logits [N, classes] out.
/// The input tensor's memory is handed to ONNX Runtime as it is, and ONNX Runtime writes the logits into a tensor
/// allocated here (<see cref="OrtValue.CreateTensorValueWithData"/>, measured at 7-10 µs per batch against 29-39 ms
/// for copying a batch of 16 at 224): no copy on the way in or out. It runs for inference only (no gradients) and in
/// fp32 only; the graph's weights are not parameters, OnnxKind.NamedWeights (in Models) reads them from the file.
/// </summary>
public sealed class OnnxNetwork : nn.Module<Tensor, Tensor>
{
    readonly InferenceSession session;
    readonly RunOptions runOptions = new();
    readonly string inputName, outputName;
    readonly long[] inputDims, outputDims;

    OnnxNetwork(string path, InferenceSession session, bool optimised) : base("ONNX")
    {
        Path = path;
        this.session = session;
        Optimised = optimised;
        (inputName, NodeMetadata input) = session.InputMetadata.First();
        (outputName, NodeMetadata output) = session.OutputMetadata.First();
        inputDims = input.Dimensions.Select(d => (long)d).ToArray();
        outputDims = output.Dimensions.Select(d => (long)d).ToArray();
    }

    /// <summary>The model file.</summary>
    public string Path { get; }

    /// <summary>Whether ONNX Runtime rewrites the graph (level ALL: fused, channel-blocked kernels) or runs it as written (the reference).</summary>
    public bool Optimised { get; }

    /// <summary>Whether ONNX Runtime runs the graph on its CUDA execution provider.</summary>
    public bool OnCuda { get; private init; }

    /// <summary>Threads ONNX Runtime computes with (libtorch's count when the model was opened).</summary>
    public int Threads { get; private init; }

    /// <summary>The graph input's dims, -1 where symbolic.</summary>
    public IReadOnlyList<long> InputDims => inputDims;

    /// <summary>The graph output's dims, -1 where symbolic.</summary>
    public IReadOnlyList<long> OutputDims => outputDims;

    /// <summary>
    /// Opens <paramref name="path"/> (checked by <see cref="OnnxModelFile.Read"/> first, then loaded by path, never from a
    /// byte array, so that ONNX Runtime resolves external data against the model's folder) with <paramref name="threads"/>
    /// threads; <paramref name="optimise"/> false runs the graph as written. Checks it has one float input of rank 4
    /// with 3 channels and a symbolic batch, and one output of rank 2.
    /// </summary>
    public static OnnxNetwork Open(string path, int threads, bool optimise = true) => Open(path, threads, optimise, cuda: false);

    /// <summary>
    /// As <see cref="Open(string, int, bool)"/>, on ONNX Runtime's CUDA execution provider (device 0) when
    /// <paramref name="cuda"/>: the build made with -p:OnnxRuntimeBackend=cuda. Images and logits stay in CPU memory
    /// (the filter runs in a CPU TorchSharp); ONNX Runtime copies them to and from the GPU.
    /// </summary>
    public static OnnxNetwork Open(string path, int threads, bool optimise, bool cuda)
    {
        OnnxModelFile.Read(path); // structure and external data, with FreqProbe's messages
        OnnxRuntimeHost.Start();
        var options = new SessionOptions
        {
            GraphOptimizationLevel = optimise ? GraphOptimizationLevel.ORT_ENABLE_ALL : GraphOptimizationLevel.ORT_DISABLE_ALL,
            IntraOpNumThreads = Math.Max(1, threads),
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        if (cuda)
        {
            try
            {
                options.AppendExecutionProvider_CUDA(0);
            }
            catch (OnnxRuntimeException e)
            {
                options.Dispose();
                throw new InputException("device", $"cuda: ONNX Runtime cannot start its CUDA execution provider ({ErrorLine(e.Message)}); expected a GPU with " +
                    "CUDA 12 and cuDNN 9 libraries, or --device cpu.", e);
            }
        }
        // Spinning worker threads take the cores libtorch's FFT filtering needs between passes.
        if (Environment.GetEnvironmentVariable(SpinningVariable) != "1") options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        InferenceSession session;
        try
        {
            session = new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InputException("weights", $"ONNX Runtime cannot load '{path}': {ErrorLine(e.Message)}; expected an ONNX model it can run " +
                "(torch.onnx.export, scripts/export_model.py --format onnx).", e);
        }
        finally
        {
            options.Dispose();
        }
        try
        {
            CheckSignature(session, path);
            return new OnnxNetwork(path, session, optimise) { Threads = Math.Max(1, threads), OnCuda = cuda };
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    // FREQPROBE_SIMULATE_FAULT=onnxruntime-wrong: the optimised graph's logits 1 % off (the graph as written stays
    // right), so that tests can show the verification refusing a wrong engine.
    static readonly bool WrongFault = Environment.GetEnvironmentVariable("FREQPROBE_SIMULATE_FAULT") == "onnxruntime-wrong";

    /// <summary>FREQPROBE_ORT_SPINNING=1 lets ONNX Runtime's threads spin between passes (off by default; for benchmarks).</summary>
    public const string SpinningVariable = "FREQPROBE_ORT_SPINNING";

    static void CheckSignature(InferenceSession session, string path)
    {
        if (session.InputMetadata.Count != 1 || session.OutputMetadata.Count != 1)
        {
            throw new InputException("weights", $"'{path}' has {session.InputMetadata.Count} input(s) ({string.Join(", ", session.InputMetadata.Keys)}) and " +
                $"{session.OutputMetadata.Count} output(s) ({string.Join(", ", session.OutputMetadata.Keys)}); expected one input of images [N, 3, H, W] and " +
                "one output of logits [N, classes].");
        }
        (string inName, NodeMetadata input) = session.InputMetadata.First();
        (string outName, NodeMetadata output) = session.OutputMetadata.First();
        if (!input.IsTensor || input.ElementDataType != TensorElementType.Float || input.Dimensions.Length != 4 || input.Dimensions[1] is not (3 or -1))
        {
            throw new InputException("weights", $"'{path}' takes input '{inName}' of {Describe(input)}; expected float images [N, 3, H, W].");
        }
        if (input.Dimensions[0] != -1)
        {
            throw new InputException("weights", $"'{path}' takes input '{inName}' of {Describe(input)}, its batch fixed to {input.Dimensions[0]}; expected a " +
                "symbolic batch [N, 3, H, W] (export with dynamic_axes, as scripts/export_model.py does).");
        }
        if (!output.IsTensor || output.ElementDataType != TensorElementType.Float || output.Dimensions.Length != 2)
        {
            throw new InputException("weights", $"'{path}' returns output '{outName}' of {Describe(output)}; expected float logits [N, classes].");
        }
    }

    static string Describe(NodeMetadata value) => !value.IsTensor ? value.OnnxValueType.ToString()
        : $"{value.ElementDataType.ToString().ToLowerInvariant()} [{string.Join(", ", value.Dimensions.Select((d, i) => d >= 0 ? d.ToString(CultureInfo.InvariantCulture) : value.SymbolicDimensions[i] is { Length: > 0 } s ? s : "?"))}]";

    /// <summary>
    /// Checks the graph against the run before any image is read: its input side (fixed H and W must be
    /// <paramref name="inputSize"/>) and its class count (a fixed output width must be <paramref name="classes"/>).
    /// </summary>
    public void CheckRun(int inputSize, int classes, string classesSource)
    {
        if ((inputDims[2] >= 0 && inputDims[2] != inputSize) || (inputDims[3] >= 0 && inputDims[3] != inputSize))
        {
            throw new InputException("input-size", $"'{Path}' takes images of {inputDims[2]} x {inputDims[3]}, but the run feeds {inputSize} x {inputSize}; " +
                "expected the input size it was exported for (input_size in its card, or --input-size).");
        }
        if (outputDims[1] >= 0 && outputDims[1] != classes)
        {
            throw new InputException("num-classes", $"'{Path}' returns logits [N, {outputDims[1]}]; expected [N, {classes}] ({classesSource}).");
        }
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (input.dtype != ScalarType.Float32)
        {
            throw new InputException("precision", $"'{Path}' runs in ONNX Runtime at fp32 only; expected --precision fp32.");
        }
        if (input.requires_grad)
        {
            throw new InputException("weights", $"'{Path}' runs in ONNX Runtime, for inference only: it has no gradient with respect to its input.");
        }
        Tensor x = input.device_type == DeviceType.CPU ? input : input.cpu();
        if (!x.is_contiguous()) x = x.contiguous();
        long rows = x.shape[0];
        long[] shape = x.shape;
        if (outputDims[1] < 0) return ForwardAllocated(x);
        Tensor logits = empty(new[] { rows, outputDims[1] }, ScalarType.Float32);
        unsafe
        {
            fixed (byte* inBytes = x.bytes)
            fixed (byte* outBytes = logits.bytes)
            {
                using OrtValue inValue = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float, shape, (IntPtr)inBytes, x.NumberOfElements * 4);
                using OrtValue outValue = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float, logits.shape, (IntPtr)outBytes, logits.NumberOfElements * 4);
                Run(inValue, outValue);
            }
        }
        if (Optimised && WrongFault)
        {
            using Scalar wrong = 1.01f.ToScalar();
            logits.mul_(wrong);
        }
        return input.device_type == DeviceType.CPU ? logits : logits.to(input.device);
    }

    void Run(OrtValue inValue, OrtValue outValue)
    {
        try
        {
            session.Run(runOptions, new[] { inputName }, new[] { inValue }, new[] { outputName }, new[] { outValue });
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidOperationException($"ONNX Runtime failed on '{Path}': {ErrorLine(e.Message)}", e);
        }
    }

    // A graph whose output width is symbolic: ONNX Runtime allocates the output, which is copied once.
    Tensor ForwardAllocated(Tensor x)
    {
        unsafe
        {
            fixed (byte* inBytes = x.bytes)
            {
                using OrtValue inValue = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float, x.shape, (IntPtr)inBytes, x.NumberOfElements * 4);
                IDisposableReadOnlyCollection<OrtValue> results;
                try
                {
                    results = session.Run(runOptions, new[] { inputName }, new[] { inValue }, new[] { outputName });
                }
                catch (OnnxRuntimeException e)
                {
                    throw new InvalidOperationException($"ONNX Runtime failed on '{Path}': {ErrorLine(e.Message)}", e);
                }
                using (results)
                {
                    OrtValue output = results[0];
                    long[] dims = output.GetTensorTypeAndShape().Shape;
                    return tensor(output.GetTensorDataAsSpan<float>().ToArray(), dims);
                }
            }
        }
    }

    /// <summary>The line of an ONNX Runtime message that says what went wrong (without its source-location prefix).</summary>
    public static string ErrorLine(string message)
    {
        string line = message.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? message;
        int bracket = line.LastIndexOf("] ", StringComparison.Ordinal);
        return (bracket >= 0 && line.StartsWith('[') ? line[(bracket + 2)..] : line).TrimEnd('.');
    }

    /// <summary>Only fp32: ONNX Runtime runs the graph in the types it was exported with.</summary>
    protected override nn.Module _to(ScalarType dtype, bool non_blocking)
    {
        if (dtype != ScalarType.Float32)
        {
            string name = dtype switch { ScalarType.BFloat16 => "bf16", ScalarType.Float16 => "fp16", ScalarType.Float64 => "float64", _ => dtype.ToString() };
            throw new InputException("precision", $"{name}: '{Path}' runs in ONNX Runtime at fp32 only (its CPU kernels have no bf16, and fp16 is slower on CPUs " +
                "without AVX512-FP16); expected --precision fp32.");
        }
        return this;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            session.Dispose();
            runOptions.Dispose();
        }
        base.Dispose(disposing);
    }
}
