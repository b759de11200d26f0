using System.Globalization;
using FreqProbe.Core.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Execution;

/// <summary>
/// How a model runs on this machine: its device, precision, layout and, for the native models, the backend kernel of
/// every convolution layer, each one verified on this machine at the exact shapes the run meets (<see cref="PathVerifier"/>).
/// Every forward pass runs at the verified batch size: a smaller batch is padded with blank images, a larger one is
/// split, so no pass can reach a shape that was not checked.
/// <list type="bullet">
/// <item><c>--layout nchw</c>: every layer channels-first.</item>
/// <item><c>--layout nhwc</c>: every layer channels-last, a 1×1 layer whose native kernel fails as a matrix product;
/// a layer with neither is an error naming it.</item>
/// <item><c>--layout auto</c> (the default): as nhwc, and a layer with neither runs channels-first inside the
/// channels-last network; a network with no channels-last layer left runs channels-first throughout.</item>
/// </list>
/// A model that brings its own code (TorchScript) is checked whole: auto takes nhwc where it verifies, else nchw.
/// </summary>
public sealed class ExecutionPlan
{
    /// <summary>The default --layout: the fastest layout whose kernels verify on this machine.</summary>
    public const string AutoLayout = "auto";

    /// <summary>The accepted --layout values.</summary>
    public static IReadOnlyList<string> Layouts { get; } = new[] { AutoLayout, "nhwc", "nchw" };

    readonly Func<Tensor, Tensor> run;
    readonly Func<long, IReadOnlyList<VerificationCheck>> checksAt;
    readonly VerdictStore store;
    readonly string workerDevice;
    readonly Action<string>? notice;

    ExecutionPlan(Func<Tensor, Tensor> run, long batch, string layout, string path, string key, IReadOnlyList<LayerChoice> layers,
        Func<long, IReadOnlyList<VerificationCheck>> checksAt, VerdictStore store, string workerDevice, Action<string>? notice)
    {
        this.run = run;
        Batch = batch;
        Layout = layout;
        Path = path;
        VerificationKey = key;
        Layers = layers;
        this.checksAt = checksAt;
        this.store = store;
        this.workerDevice = workerDevice;
        this.notice = notice;
    }

    /// <summary>Images per forward pass, the batch every check ran at (halved, and checked again, when the device runs out of memory).</summary>
    public long Batch { get; private set; }

    /// <summary>The layout the network runs in: nhwc or nchw (nhwc also when some layers run channels-first inside it).</summary>
    public string Layout { get; }

    /// <summary>
    /// The execution path for results and fingerprints, e.g. <c>cpu fp32 nhwc; 1x1 as matrix products: 3</c> or
    /// <c>cpu fp32 nchw</c>; two runs with the same path compute the same numbers.
    /// </summary>
    public string Path { get; }

    /// <summary>The verification key: the machine identity's short key and a digest of the verdicts the plan rests on.</summary>
    public string VerificationKey { get; }

    /// <summary>Per convolution layer (native models): its kernel and the shape it was verified at.</summary>
    public IReadOnlyList<LayerChoice> Layers { get; }

    /// <summary>One layer's choice.</summary>
    /// <param name="Layer">Module path.</param>
    /// <param name="Shape">The shape at <see cref="Batch"/>.</param>
    /// <param name="Kernel">The kernel it runs with.</param>
    public sealed record LayerChoice(string Layer, ConvolutionShape Shape, ConvolutionKernel Kernel);

    /// <summary>
    /// Logits of <paramref name="input"/> (fp32 NCHW, normalised), computed in passes of exactly <see cref="Batch"/>
    /// images; returns fp32 logits in row order.
    /// </summary>
    public Tensor Forward(Tensor input)
    {
        while (true)
        {
            try
            {
                return ForwardAtBatch(input);
            }
            catch (Exception e) when (FreqProbe.Core.Native.LibTorchErrors.IsOutOfMemory(e) && Batch > 1)
            {
                Shrink();
            }
        }
    }

    // Out of device memory: the same kernels at half the batch, verified at their new shapes first.
    void Shrink()
    {
        long smaller = Batch / 2;
        IReadOnlyList<VerificationCheck> checks = checksAt(smaller);
        IReadOnlyDictionary<string, Verdict> verdicts = PathVerifier.Verify(checks, store, workerDevice, notice);
        if (checks.FirstOrDefault(c => !verdicts[c.Key].Ok) is { } failed)
        {
            throw new InputException("batch-size", $"out of device memory at {Batch} images per forward pass, and at {smaller} the path fails its check: " +
                $"{failed.Describe()}: {verdicts[failed.Key].Explain()}; expected a smaller --batch-size.");
        }
        notice?.Invoke(string.Create(CultureInfo.InvariantCulture,
            $"out of device memory with {Batch} images per forward pass; continuing with {smaller}, whose kernels verified (results are unchanged)"));
        Batch = smaller;
    }

    Tensor ForwardAtBatch(Tensor input)
    {
        long rows = input.shape[0];
        if (rows == Batch) return run(input);
        if (rows < Batch)
        {
            using var scope = NewDisposeScope();
            var shape = input.shape.ToArray();
            shape[0] = Batch - rows;
            Tensor padded = cat(new[] { input, zeros(shape, dtype: input.dtype, device: input.device) }, 0);
            return run(padded).narrow(0, 0, rows).clone().MoveToOuterDisposeScope();
        }
        var parts = new List<Tensor>();
        for (long start = 0; start < rows; start += Batch) parts.Add(ForwardAtBatch(input.narrow(0, start, Math.Min(Batch, rows - start))));
        return cat(parts, 0);
    }

    /// <summary>
    /// Prepares <paramref name="model"/> (on <paramref name="device"/>, in eval mode, fp32) for inference at
    /// <paramref name="precision"/> and <paramref name="layout"/> with <paramref name="batch"/> images per pass,
    /// verifying every path it uses (verdicts under <paramref name="cacheRoot"/>). <paramref name="archive"/> describes
    /// a model that brings its own code (null for native models); <paramref name="inputSize"/> is the input side.
    /// A layout that does not verify is an <see cref="InputException"/> on --layout naming the layer and the way out.
    /// With <paramref name="gradients"/>, a path must also give the right gradient with respect to its input (the
    /// backward pass runs other kernels), for callers that differentiate the network.
    /// </summary>
    public static ExecutionPlan Prepare(nn.Module<Tensor, Tensor> model, string precision, string layout, long batch, int inputSize, int threads,
        Device device, string cacheRoot, ModelUnderTest? archive, Action<string>? notice, bool gradients = false)
    {
        if (!Layouts.Contains(layout)) throw new InputException("layout", $"'{layout}' is not one of {string.Join(", ", Layouts)}.");
        ScalarType type = InferencePrecision.Parse(precision);
        string deviceName = FreqProbe.Core.Native.TorchBackend.Describe(device);
        var identity = MachineIdentity.Current(deviceName, threads);
        VerdictStore store = VerdictStore.Open(cacheRoot, identity);
        string kind = device.type == DeviceType.CUDA ? "cuda" : "cpu";
        return archive is null
            ? Native(model, type, precision, layout, batch, inputSize, device, store, kind, notice, gradients)
            : Archive(model, precision, layout, archive with { Batch = batch }, store, kind, notice, gradients);
    }

    static ExecutionPlan Native(nn.Module<Tensor, Tensor> model, ScalarType type, string precision, string layout, long batch, int inputSize,
        Device device, VerdictStore store, string workerDevice, Action<string>? notice, bool gradients)
    {
        BatchNormFolding.Fold(model);
        if (type != ScalarType.Float32) model.to(type);
        var layers = new Dictionary<string, nn.Module>(StringComparer.Ordinal);
        foreach ((string name, nn.Module module) in model.named_modules())
        {
            switch (module)
            {
                case PlannedConv2d conv:
                    conv.LayerName = name;
                    layers[name] = conv;
                    break;
                case IDynamicConvolution bank:
                    bank.LayerName = name;
                    layers[name] = (nn.Module)bank;
                    break;
            }
        }
        IReadOnlyList<(string Layer, ConvolutionShape Shape)> seen; // at batch 1
        using (var noGrad = no_grad())
        using (var scope = NewDisposeScope())
        using (var recorder = ConvolutionRecorder.Start())
        {
            model.forward(zeros(new long[] { 1, 3, inputSize, inputSize }, dtype: type, device: device));
            seen = recorder.Seen;
        }
        var recorded = seen.Select(r => (r.Layer, Shape: r.Shape.At(batch))).ToList();
        var shapes = recorded.Select(r => r.Shape).Distinct().ToList();
        var used = new List<(VerificationCheck Check, Verdict Verdict)>();
        (Dictionary<ConvolutionShape, ConvolutionKernel> chosen, Dictionary<ConvolutionShape, List<(VerificationCheck, Verdict)>> failures) =
            Choose(layout, shapes, precision, gradients, store, workerDevice, notice, used);
        // A network where most layers would fall back to channels-first runs channels-first throughout where that
        // verifies: one conversion per layer costs more than channels-last gains.
        if (layout == "auto" && chosen.Count == shapes.Count
            && recorded.Count(r => chosen[r.Shape] == ConvolutionKernel.ChannelsFirst) * 2 > recorded.Count)
        {
            var nchwUsed = new List<(VerificationCheck Check, Verdict Verdict)>();
            var nchw = Choose("nchw", shapes, precision, gradients, store, workerDevice, notice, nchwUsed);
            if (nchw.Chosen.Count == shapes.Count)
            {
                chosen = nchw.Chosen;
                used = nchwUsed;
            }
        }
        var unverified = recorded.Where(r => !chosen.ContainsKey(r.Shape)).ToList();
        if (unverified.Count > 0)
        {
            (string layer, ConvolutionShape shape) = unverified[0];
            string tried = string.Join("; ", failures[shape].Select(f =>
                $"{VerificationCheck.KernelName(f.Item1.Kernel)}{(f.Item1.Gradient ? ", in its gradient with respect to the input," : "")} {f.Item2.Explain()}"));
            string more = unverified.Select(u => u.Shape).Distinct().Count() > 1
                ? string.Create(CultureInfo.InvariantCulture, $" ({unverified.Select(u => u.Shape).Distinct().Count() - 1} more configuration(s) fail too)") : "";
            string way = layout == "nchw" ? "expected a path that verifies: --layout auto, another --precision or --device (see `freqprobe doctor`)"
                : "expected a layout that verifies: --layout auto (the default; slow layers fall back to channels-first) or --layout nchw";
            throw new InputException("layout", $"'{layout}' at {precision} cannot be used on this machine: layer {layer}, {shape}: {tried}{more}; {way}.");
        }
        bool channelsLast = chosen.Values.Any(k => k != ConvolutionKernel.ChannelsFirst);
        var choices = recorded.Select(r => new LayerChoice(r.Layer, r.Shape, chosen[r.Shape])).ToList();
        using (no_grad())
        {
            foreach (LayerChoice choice in choices)
            {
                switch (layers.GetValueOrDefault(choice.Layer))
                {
                    case PlannedConv2d conv:
                        conv.Kernel = choice.Kernel;
                        conv.ChannelsLastNetwork = channelsLast;
                        if (choice.Kernel != ConvolutionKernel.ChannelsFirst)
                        {
                            using Tensor relaid = MemoryLayout.ChannelsLast(conv.Weight);
                            conv.Weight.set_(relaid);
                        }
                        break;
                    case IDynamicConvolution bank:
                        bank.Kernel = choice.Kernel;
                        bank.ChannelsLastNetwork = channelsLast;
                        break;
                }
            }
        }
        int pointwise = choices.Count(c => c.Kernel == ConvolutionKernel.MatrixProduct);
        int fallback = channelsLast ? choices.Count(c => c.Kernel == ConvolutionKernel.ChannelsFirst) : 0;
        string networkLayout = channelsLast ? "nhwc" : "nchw";
        string path = $"{workerDevice} {precision} {networkLayout}"
            + (pointwise > 0 ? string.Create(CultureInfo.InvariantCulture, $"; 1x1 as matrix products: {pointwise}") : "")
            + (fallback > 0 ? string.Create(CultureInfo.InvariantCulture, $"; channels-first layers: {fallback}") : "")
            + (gradients ? "; input gradients" : "");
        Func<Tensor, Tensor> run = InferencePrecision.Forward(model, type, channelsLast);
        IReadOnlyList<VerificationCheck> ChecksAt(long n) => seen
            .SelectMany(r => Checks(r.Shape.At(n), chosen[r.Shape.At(batch)], precision, gradients))
            .DistinctBy(c => c.Key).ToList();
        return new ExecutionPlan(run, batch, networkLayout, path, Key(store.Identity, used), choices, ChecksAt, store, workerDevice, notice);
    }

    // The kernels each layout may use, in order of preference: oneDNN's channels-last kernels measured fastest here
    // when right; the matrix product came within 10-20 % of them on 1x1 layers and beat channels-first kernels
    // whose output must be converted back (benchmarks/results/execution-paths.txt).
    // FREQPROBE_PREFER_MATRIX_PRODUCT=1 (for benchmarks) tries the matrix product first on 1x1 layers.
    static ConvolutionKernel[] Candidates(string layout, ConvolutionShape shape) => layout switch
    {
        "nchw" => new[] { ConvolutionKernel.ChannelsFirst },
        "nhwc" => shape.IsPointwise ? Pointwise() : new[] { ConvolutionKernel.ChannelsLast },
        _ => shape.IsPointwise
            ? Pointwise().Append(ConvolutionKernel.ChannelsFirst).ToArray()
            : new[] { ConvolutionKernel.ChannelsLast, ConvolutionKernel.ChannelsFirst },
    };

    /// <summary>The environment variable that makes 1×1 layers try the matrix product before the native channels-last kernel (benchmarks).</summary>
    public const string PreferMatrixProductVariable = "FREQPROBE_PREFER_MATRIX_PRODUCT";

    static ConvolutionKernel[] Pointwise() => Environment.GetEnvironmentVariable(PreferMatrixProductVariable) == "1"
        ? new[] { ConvolutionKernel.MatrixProduct, ConvolutionKernel.ChannelsLast }
        : new[] { ConvolutionKernel.ChannelsLast, ConvolutionKernel.MatrixProduct };

    // The first verified candidate of every shape, checking the next candidates only for the shapes whose earlier ones failed.
    static (Dictionary<ConvolutionShape, ConvolutionKernel> Chosen, Dictionary<ConvolutionShape, List<(VerificationCheck, Verdict)>> Failures) Choose(
        string layout, IReadOnlyList<ConvolutionShape> shapes, string precision, bool gradients, VerdictStore store, string workerDevice, Action<string>? notice,
        List<(VerificationCheck Check, Verdict Verdict)> used)
    {
        var chosen = new Dictionary<ConvolutionShape, ConvolutionKernel>();
        var failures = new Dictionary<ConvolutionShape, List<(VerificationCheck, Verdict)>>();
        for (int round = 0; round < 3; round++)
        {
            var candidates = shapes.Where(s => !chosen.ContainsKey(s) && Candidates(layout, s).Length > round)
                .Select(s => Checks(s, Candidates(layout, s)[round], precision, gradients)).ToList();
            if (candidates.Count == 0) break;
            IReadOnlyDictionary<string, Verdict> verdicts = PathVerifier.Verify(candidates.SelectMany(c => c).ToList(), store, workerDevice, notice);
            foreach (VerificationCheck[] checks in candidates)
            {
                // A kernel serves a shape when every check of it passes: its output, and its input gradient where asked.
                ConvolutionShape shape = checks[0].Shape!;
                if (checks.All(c => verdicts[c.Key].Ok))
                {
                    chosen[shape] = checks[0].Kernel;
                    used.AddRange(checks.Select(c => (c, verdicts[c.Key])));
                }
                else
                {
                    if (!failures.TryGetValue(shape, out var list)) failures[shape] = list = new();
                    list.AddRange(checks.Where(c => !verdicts[c.Key].Ok).Select(c => (c, verdicts[c.Key])));
                }
            }
        }
        return (chosen, failures);
    }

    // The checks a kernel must pass at a shape: its output, and its gradient with respect to the input when asked.
    static VerificationCheck[] Checks(ConvolutionShape shape, ConvolutionKernel kernel, string precision, bool gradients)
    {
        var output = new VerificationCheck { Shape = shape, Kernel = kernel, Precision = precision };
        return gradients ? new[] { output, output with { Gradient = true } } : new[] { output };
    }

    static ExecutionPlan Archive(nn.Module<Tensor, Tensor> model, string precision, string layout, ModelUnderTest archive, VerdictStore store,
        string workerDevice, Action<string>? notice, bool gradients)
    {
        string[] candidates = layout == "auto" ? new[] { "nhwc", "nchw" } : new[] { layout };
        var tried = new List<(string Layout, Verdict Verdict)>();
        string? chosen = null;
        var used = new List<(VerificationCheck, Verdict)>();
        foreach (string candidate in candidates)
        {
            var check = new VerificationCheck { Model = archive, Layout = candidate, Precision = precision };
            Verdict verdict = PathVerifier.Verify(new[] { check }, store, workerDevice, notice)[check.Key];
            if (verdict.Ok && gradients)
            {
                // The backward pass runs other kernels: the layout serves only if its input gradient is right too.
                var backward = check with { Gradient = true };
                Verdict gradient = PathVerifier.Verify(new[] { backward }, store, workerDevice, notice)[backward.Key];
                if (gradient.Threw)
                {
                    // No layout changes an operation without a derivative: the archive cannot be differentiated at all.
                    throw new InputException("weights", $"'{archive.WeightsPath}' cannot be differentiated with respect to its input: " +
                        $"{gradient.Detail["error: ".Length..]}; expected a model whose backward pass runs, e.g. one exported with torch.jit.script " +
                        "(a traced model can record inference-only fast paths, such as nn.MultiheadAttention's in eval mode).");
                }
                if (!gradient.Ok)
                {
                    tried.Add(($"{candidate} (gradient with respect to the input)", gradient));
                    continue;
                }
                used.Add((backward, gradient));
            }
            tried.Add((candidate, verdict));
            if (verdict.Ok || verdict.Threw)
            {
                // An error is the archive refusing the input (its size, say): no crash, and the model's output check
                // then reports it as the input error it is.
                chosen = candidate;
                used.Add((check, verdict));
                break;
            }
        }
        if (chosen is null)
        {
            throw new InputException("layout", $"'{layout}' at {precision} cannot be used on this machine for '{archive.WeightsPath}': " +
                string.Join("; ", tried.Select(t => $"{t.Layout} {t.Verdict.Explain()}")) +
                "; expected a layout that verifies: --layout nchw, or see `freqprobe doctor`.");
        }
        Func<Tensor, Tensor> run = InferencePrecision.Prepare(model, precision, chosen);
        IReadOnlyList<VerificationCheck> ChecksAt(long n)
        {
            var output = new VerificationCheck { Model = archive with { Batch = n }, Layout = chosen, Precision = precision };
            return gradients ? new[] { output, output with { Gradient = true } } : new[] { output };
        }
        string path = $"{workerDevice} {precision} {chosen}" + (gradients ? "; input gradients" : "");
        if (workerDevice == "cuda" && precision == "fp32" && model is TorchScriptNetwork { Tf32Convolutions: > 0 and int tf32 })
        {
            // Measured on an H200: traced ViT and ConvNeXt archives move logits by up to 4e-4 relative against the same
            // archives scripted (1e-5); the verification's 1e-3 still holds. Said, not silently called fp32.
            path += $"; traced convolutions in TF32: {tf32}";
            notice?.Invoke($"'{archive.WeightsPath}' records allow_tf32=True in {tf32} traced convolution(s), so cuDNN runs them in TF32 (about 1e-3 " +
                "relative) although --precision is fp32; trace with torch.backends.cudnn.allow_tf32 = False (scripts/export_model.py does) or " +
                "script the model for fp32 throughout.");
        }
        return new ExecutionPlan(run, archive.Batch, chosen, path, Key(store.Identity, used),
            Array.Empty<LayerChoice>(), ChecksAt, store, workerDevice, notice);
    }

    /// <summary>
    /// Prepares <paramref name="network"/> (an ONNX graph in ONNX Runtime: an ONNX model, or the graph of a native
    /// ResNet) with <paramref name="model"/>.Batch images per pass, verified on this machine (<see cref="KernelCheck"/>:
    /// against libtorch in float64 for a native graph, the agreement of the two engines). A graph that does not verify is
    /// an <see cref="InputException"/> when <paramref name="required"/>, else null (auto then takes libtorch).
    /// </summary>
    public static ExecutionPlan? PrepareOnnx(Onnx.OnnxNetwork network, string precision, ModelUnderTest model, int threads, Device device, string cacheRoot,
        Action<string>? notice, bool required)
    {
        InferencePrecision.Parse(precision);
        if (precision != InferencePrecision.Default)
        {
            throw new InputException("precision", $"{precision}: '{model.WeightsPath}' runs in ONNX Runtime at fp32 only (its CPU kernels have no bf16, and fp16 is " +
                "slower on CPUs without AVX512-FP16); expected --precision fp32" + (model.ModelName == OnnxKind.KindName ? "." : ", or --engine torch."));
        }
        string deviceName = FreqProbe.Core.Native.TorchBackend.Describe(device);
        VerdictStore store = VerdictStore.Open(cacheRoot, MachineIdentity.Current(deviceName, threads));
        string workerDevice = device.type == DeviceType.CUDA ? "cuda" : "cpu";
        var check = new VerificationCheck { Model = model, Precision = precision, Engine = network.OnCuda ? Engines.OnnxRuntimeCuda : Engines.OnnxRuntime };
        Verdict verdict = PathVerifier.Verify(new[] { check }, store, workerDevice, notice)[check.Key];
        if (!verdict.Ok)
        {
            if (!required) return null;
            throw new InputException("engine", $"onnxruntime cannot be used on this machine for '{model.WeightsPath}': {check.Describe()} {verdict.Explain()}; " +
                (model.ModelName == OnnxKind.KindName ? "expected a model ONNX Runtime runs right here (see `freqprobe doctor`)." : "expected --engine torch (or auto)."));
        }
        Func<Tensor, Tensor> run = input =>
        {
            using (ForwardWatchdog.Enter()) return network.forward(input);
        };
        IReadOnlyList<VerificationCheck> ChecksAt(long n) => new[] { check with { Model = model with { Batch = n } } };
        string path = network.OnCuda ? $"cuda fp32 onnxruntime {Onnx.OnnxRuntimeHost.Version}; filter on the cpu" : $"cpu fp32 onnxruntime {Onnx.OnnxRuntimeHost.Version}";
        return new ExecutionPlan(run, model.Batch, "nchw", path, Key(store.Identity, new[] { (check, verdict) }), Array.Empty<LayerChoice>(), ChecksAt, store,
            workerDevice, notice);
    }

    static string Key(MachineIdentity identity, IEnumerable<(VerificationCheck Check, Verdict Verdict)> used)
    {
        string checks = string.Join('\n', used.Select(u => u.Check.Key).Distinct().Order(StringComparer.Ordinal));
        string digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(checks)))[..8];
        return $"{identity.ShortKey}-{digest}";
    }
}
