using FreqProbe.Core.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Execution;

/// <summary>
/// Runs one <see cref="VerificationCheck"/> in this process (the verification worker's side): seeded random data
/// through the path under test, compared with a float64 channels-first reference. libtorch computes float64
/// convolutions with its own portable code, not with the oneDNN or cuDNN kernels under test, so the reference is
/// independent of them.
/// </summary>
public static class KernelCheck
{
    /// <summary>
    /// The largest absolute error a convolution check accepts, per precision. Inputs are N(0, 1), weights
    /// N(0, 1/fan-in) and biases N(0, 0.01), so outputs have unit variance and |y| ≤ about 6. Correct fp32 kernels
    /// measured here err by 1e-6 to 1.2e-5 (fan-in up to 4,608); the faulty oneDNN kernels by 2 to 2.7. 1e-3 sits a
    /// hundred times above the first and a thousand times below the second. fp16 and bf16 outputs are compared with
    /// a reference computed from the same rounded inputs, so only output rounding remains: half an ulp at |y| &lt; 8 is
    /// 2e-3 (fp16) and 1.6e-2 (bf16); the tolerances allow about five such steps.
    /// </summary>
    public static double ConvolutionTolerance(string precision) => precision switch
    {
        "fp16" => 1e-2,
        "bf16" => 8e-2,
        _ => 1e-3,
    };

    /// <summary>
    /// The largest error a model check accepts, relative to the reference's largest |logit|: 1e-3 in fp32 (rounding
    /// differences grow through depth, but a wrong layer moves logits by tens of percent), 5e-2 in fp16 and 1.5e-1 in
    /// bf16 against a float64 reference of the whole network.
    /// </summary>
    public static double ModelTolerance(string precision) => precision switch
    {
        "fp16" => 5e-2,
        "bf16" => 1.5e-1,
        _ => 1e-3,
    };

    /// <summary>The tolerance of <paramref name="check"/>: <see cref="ModelTolerance"/> for a model, else <see cref="ConvolutionTolerance"/>.</summary>
    public static double Tolerance(VerificationCheck check) =>
        check.Shape is null ? ModelTolerance(check.Precision) : ConvolutionTolerance(check.Precision);

    /// <summary>Runs <paramref name="check"/> on <paramref name="device"/>.</summary>
    public static Verdict Run(VerificationCheck check, Device device)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        try
        {
            return check.Shape is { } shape
                ? Convolution(shape, check.Kernel, check.Precision, device, check.Gradient)
                : check.Engine is Engines.OnnxRuntime or Engines.OnnxRuntimeCuda ? OnnxModel(check.Model!, check.Precision, check.Engine == Engines.OnnxRuntimeCuda)
                : Model(check.Model!, check.Layout, check.Precision, device, check.Gradient);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A check that throws is no crash: libtorch refusing the input (an archive's input size, say) is reported
            // as the error it is, and the run that would meet it reports it too.
            return new Verdict(false, double.NaN, Tolerance(check), "error: " + e.Message.Split('\n')[0].Trim());
        }
    }

    // A gradient check differentiates Σ g·y for a seeded random g of the output's shape: the input gradient is the
    // transposed convolution of g, computed by the backward kernels of the path under test.
    static Verdict Convolution(ConvolutionShape s, ConvolutionKernel kernel, string precision, Device device, bool gradient)
    {
        ScalarType type = InferencePrecision.Parse(precision);
        using var generator = new Generator(unchecked((ulong)StableHash(s.Key)));
        using Scalar fanIn = Math.Sqrt(s.InChannels / s.Groups * s.KernelHeight * s.KernelWidth).ToScalar(), biasScale = 0.1.ToScalar();
        Tensor x = randn(new[] { s.Batch, s.InChannels, s.Height, s.Width }, generator: generator);
        Tensor w = randn(new[] { s.OutChannels, s.InChannels / s.Groups, s.KernelHeight, s.KernelWidth }, generator: generator).div_(fanIn);
        Tensor? b = s.Bias ? randn(new[] { s.OutChannels }, generator: generator).mul_(biasScale) : null;
        // Round to the precision first, so that the reference sees the same numbers.
        x = x.to(type);
        w = w.to(type);
        b = b?.to(type);
        // A float64 reference on a few images spread over the batch (first, thirds, last): the path under test runs at
        // the full batch, since backends choose their blocking by it, but the reference's cost stays that of four images.
        long[] rows = new[] { 0, s.Batch / 3, 2 * s.Batch / 3, s.Batch - 1 }.Distinct().ToArray();
        Tensor index = tensor(rows);
        Tensor Reference(Tensor input) => nn.functional.conv2d(input, w.to(float64), b?.to(float64),
            strides: new[] { s.Stride, s.Stride }, padding: new[] { s.Padding, s.Padding }, groups: s.Groups);
        Tensor got, reference;
        if (!gradient)
        {
            Tensor y = ConvolutionKernels.Run(kernel, x.to(device), w.to(device), b?.to(device), s.Stride, s.Padding, s.Groups,
                channelsLastOut: kernel != ConvolutionKernel.ChannelsFirst);
            reference = Reference(x.index_select(0, index).to(float64));
            got = y.cpu().to(float64).index_select(0, index);
        }
        else
        {
            using var grad = enable_grad();
            Tensor input = x.to(device).detach().requires_grad_(true);
            Tensor y = ConvolutionKernels.Run(kernel, input, w.to(device), b?.to(device), s.Stride, s.Padding, s.Groups,
                channelsLastOut: kernel != ConvolutionKernel.ChannelsFirst);
            Tensor upstream = randn(y.shape, generator: generator).to(type);
            y.backward(new[] { upstream.to(device) });
            got = input.grad!.cpu().to(float64).index_select(0, index);
            Tensor rowsIn = x.index_select(0, index).to(float64).detach().requires_grad_(true);
            Reference(rowsIn).backward(new[] { upstream.index_select(0, index).to(float64) });
            // The input gradient sums fan-out terms: compared relative to its largest magnitude (at least 1).
            using Scalar scale = Math.Max(1.0, rowsIn.grad!.abs().max().item<double>()).ToScalar();
            reference = rowsIn.grad!.div(scale);
            got = got.div(scale);
        }
        double tolerance = ConvolutionTolerance(precision);
        if (!got.shape.SequenceEqual(reference.shape))
        {
            return new Verdict(false, double.NaN, tolerance, $"wrong output shape [{string.Join(", ", got.shape)}], expected [{string.Join(", ", reference.shape)}]");
        }
        double error = (got - reference).abs().max().item<double>();
        bool ok = error <= tolerance; // NaN fails
        string what = gradient ? "input gradient " : "";
        return new Verdict(ok, error, tolerance, ok ? $"{what}matches the float64 reference" : $"{what}differs from the float64 reference");
    }

    // A gradient check differentiates Σ r·logits for a seeded random r and compares the input gradients by their norms:
    // ReLUs whose input sits within rounding of zero switch between paths and move single elements, while a wrong
    // kernel moves the whole gradient.
    static Verdict Model(ModelUnderTest m, string layout, string precision, Device device, bool gradient)
    {
        double tolerance = ModelTolerance(precision);
        using var generator = new Generator(unchecked((ulong)StableHash(m.WeightsSha256)));
        Tensor input = randn(new[] { m.Batch, 3, (long)m.InputSize, m.InputSize }, generator: generator);
        Tensor upstream = randn(new[] { m.Batch, (long)m.Classes }, generator: generator);
        var spec = ModelRegistry.Get(m.ModelName);
        // The logits, or the gradient of Σ upstream·logits with respect to the input, of forward on x.
        Tensor Measure(Func<Tensor, Tensor> forward, Tensor x)
        {
            if (!gradient) return forward(x);
            using var grad = enable_grad();
            Tensor leaf = x.detach().requires_grad_(true);
            Tensor logits = forward(leaf);
            if (!logits.shape.SequenceEqual(new[] { m.Batch, (long)m.Classes })) return logits;
            logits.backward(new[] { upstream.to(logits.dtype).to(logits.device) });
            return leaf.grad ?? zeros_like(leaf);
        }
        Tensor got;
        using (nn.Module<Tensor, Tensor> model = spec.Open(m.Classes, m.WeightsPath))
        {
            model.to(device);
            model.eval();
            Func<Tensor, Tensor> forward = InferencePrecision.Prepare(model, precision, layout);
            got = Measure(forward, input.to(device)).cpu().to(float64);
        }
        Tensor reference;
        string against;
        using (nn.Module<Tensor, Tensor> model = spec.Open(m.Classes, m.WeightsPath))
        {
            model.eval();
            try
            {
                model.to(float64);
                reference = Measure(model.forward, input.to(float64));
                against = "float64";
            }
            catch (Exception e) when (e is System.Runtime.InteropServices.ExternalException or InvalidOperationException or ArgumentException or InputException)
            {
                // A frozen archive keeps its weights as fp32 constants: compare with its channels-first fp32 pass.
                using nn.Module<Tensor, Tensor> fp32 = spec.Open(m.Classes, m.WeightsPath);
                fp32.eval();
                reference = Measure(fp32.forward, input).to(float64);
                against = "fp32 channels-first (the archive cannot run in float64)";
            }
        }
        if (!got.shape.SequenceEqual(reference.shape))
        {
            return new Verdict(false, double.NaN, tolerance, $"output shape [{string.Join(", ", got.shape)}] differs from the reference's");
        }
        if (gradient)
        {
            double norm = reference.norm().item<double>();
            double relative = norm > 0 ? (got - reference).norm().item<double>() / norm : (got - reference).abs().max().item<double>();
            bool fine = relative <= tolerance;
            return new Verdict(fine, relative, tolerance, $"input gradient {(fine ? "matches" : "differs from")} the {against} reference (relative L2 error)");
        }
        return LogitVerdict(got, reference, tolerance, $"the {against} reference");
    }

    // Logits against a reference: the largest error relative to the largest |logit| (at least 1).
    static Verdict LogitVerdict(Tensor got, Tensor reference, double tolerance, string against)
    {
        double scale = Math.Max(1.0, reference.abs().max().item<double>());
        double error = (got - reference).abs().max().item<double>() / scale;
        bool ok = error <= tolerance;
        return new Verdict(ok, error, tolerance, $"{(ok ? "matches" : "differs from")} {against} (relative to the largest |logit|)");
    }

    // An ONNX graph in ONNX Runtime (level ALL: fused, channel-blocked kernels), on a seeded random batch, against the
    // other engine in float64 where there is one (FreqProbe's own ResNet with the graph's weights, in libtorch), else
    // against ONNX Runtime running the graph as written (no graph optimisation; an ONNX file cannot run in float64).
    static Verdict OnnxModel(ModelUnderTest m, string precision, bool cuda)
    {
        double tolerance = ModelTolerance(precision);
        using var generator = new Generator(unchecked((ulong)StableHash(m.WeightsSha256)));
        Tensor input = randn(new[] { m.Batch, 3, (long)m.InputSize, m.InputSize }, generator: generator);
        int threads = get_num_threads();
        Tensor got;
        using (var network = Onnx.OnnxNetwork.Open(m.WeightsPath, threads, optimise: true, cuda))
        {
            got = network.forward(input).to(float64);
        }
        ModelSpec spec = ModelRegistry.Get(m.ModelName);
        Tensor reference;
        string against;
        if (spec.IsArchive)
        {
            using var plain = Onnx.OnnxNetwork.Open(m.WeightsPath, threads, optimise: false);
            reference = plain.forward(input).to(float64);
            against = "ONNX Runtime without graph optimisation (an ONNX file cannot run in float64)";
        }
        else
        {
            using nn.Module<Tensor, Tensor> native = NativeOnnxGraph.LoadBack(spec, m.Classes, m.WeightsPath);
            native.to(float64);
            reference = native.forward(input.to(float64));
            against = "libtorch float64 (FreqProbe's own model with the graph's weights)";
        }
        if (!got.shape.SequenceEqual(reference.shape))
        {
            return new Verdict(false, double.NaN, tolerance, $"output shape [{string.Join(", ", got.shape)}] differs from the reference's");
        }
        return LogitVerdict(got, reference, tolerance, against);
    }

    // FNV-1a: a seed that depends only on the text, on every run and machine.
    static long StableHash(string text)
    {
        ulong hash = 14695981039346656037UL;
        foreach (char c in text)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }
        return (long)(hash >> 1);
    }
}
