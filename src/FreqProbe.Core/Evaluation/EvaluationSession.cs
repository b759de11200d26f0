using FreqProbe.Core.Datasets;
using FreqProbe.Core.Execution;
using FreqProbe.Core.Models;
using FreqProbe.Core.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Evaluation;

/// <summary>What an evaluating command needs of a session.</summary>
[Flags]
public enum SessionParts
{
    /// <summary>The dataset, the image indices after --limit and --shard, and the class count.</summary>
    Data = 1,
    /// <summary>The network, created, loaded strictly and hashed, on the CPU and untouched (kernel spectra read its weights).</summary>
    Weights = 2,
    /// <summary>The network as <see cref="Weights"/>, then on the device, in eval mode, prepared for the precision and layout; and the normalisation.</summary>
    Model = Weights | 4,
    /// <summary>
    /// The model as <see cref="Model"/>, for gradients with respect to its input: the execution plan verifies the
    /// backward pass of every path too, and the weights take no gradient.
    /// </summary>
    InputGradients = Model | 8,
    /// <summary>Both.</summary>
    All = Data | Model,
}

/// <summary>
/// The set-up every evaluating command shares, built once from a run description: threads and seed, the device, the
/// dataset and its image indices after --limit and --shard, the class-count check, the model (created, loaded
/// strictly, hashed, moved to the device, in eval mode and prepared for --precision and --layout) and the
/// normalisation on the device. Sweeps, heat maps, benchmarks, kernel spectra and previews open one and add only
/// their own loop; other kinds of model plug in here.
/// </summary>
public sealed class EvaluationSession : IDisposable
{
    readonly IImageDataset? dataset;
    readonly nn.Module<Tensor, Tensor>? model;
    readonly Func<Tensor, Tensor>? forward;
    readonly Tensor? mean, std;

    EvaluationSession(RunRequest request, Device device, IImageDataset? dataset, int classes, int requested, int[] indices,
        nn.Module<Tensor, Tensor>? model, Func<Tensor, Tensor>? forward, string? weightsSha, Tensor? mean, Tensor? std)
    {
        Request = request;
        Device = device;
        this.dataset = dataset;
        Classes = classes;
        Requested = requested;
        Indices = indices;
        this.model = model;
        this.forward = forward;
        WeightsSha256 = weightsSha;
        this.mean = mean;
        this.std = std;
    }

    /// <summary>The run description the session was built from.</summary>
    public RunRequest Request { get; }

    /// <summary>Where tensors live.</summary>
    public Device Device { get; }

    /// <summary>The dataset (opened with <see cref="SessionParts.Data"/>).</summary>
    public IImageDataset Dataset => dataset ?? throw new InvalidOperationException("the session was opened without its data");

    /// <summary>Model outputs: --num-classes (or the card's), else the dataset's class count, else the model's default.</summary>
    public int Classes { get; }

    /// <summary>Images attempted before sharding: the dataset count, or --limit when smaller.</summary>
    public int Requested { get; }

    /// <summary>The dataset indices this run evaluates, in order: the first <see cref="Requested"/>, then every N-th for a shard.</summary>
    public IReadOnlyList<int> Indices { get; }

    /// <summary>The network itself (opened with <see cref="SessionParts.Model"/>).</summary>
    public nn.Module<Tensor, Tensor> Network => model ?? throw new InvalidOperationException("the session was opened without its model");

    /// <summary>The forward pass at the run's precision and layout: normalised images in, logits out.</summary>
    public Func<Tensor, Tensor> Forward => forward ?? throw new InvalidOperationException("the session was opened without its model");

    /// <summary>How the model runs on this machine, verified (opened with <see cref="SessionParts.Model"/>), else null.</summary>
    public ExecutionPlan? Plan { get; private init; }

    /// <summary>SHA-256 of the weights file, or null for random weights.</summary>
    public string? WeightsSha256 { get; }

    /// <summary>
    /// The one wording of the random-weights warning, for the results file and every command's stderr: the model runs
    /// on weights drawn from <paramref name="seed"/> (<c>--weights random</c>, or no weights where the model has none).
    /// </summary>
    public static string RandomWeightsWarning(string model, ulong seed) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"--weights random: {model} runs on RANDOM weights (seed {seed}); the numbers are a smoke test, not a measurement");

    /// <summary>Warnings about the set-up (random weights).</summary>
    public IReadOnlyList<string> Warnings => Request.WeightsPath is null && model is not null
        ? new[] { RandomWeightsWarning(Request.Model.Name, Request.Seed) }
        : Array.Empty<string>();

    /// <summary>
    /// Normalises [0,1] images on the device with the run's mean and std; a model that normalises itself (mean and std
    /// "none") gets them as they are.
    /// </summary>
    public Tensor Normalise(Tensor images)
    {
        if (forward is null) throw new InvalidOperationException("the session was opened without its model");
        return mean is null ? images.alias() : (images - mean) / std!;
    }

    /// <summary>
    /// Builds what <paramref name="parts"/> asks for; bad input raises <see cref="InputException"/>. With a decoded
    /// cache, the images the run reads are decoded into it first where it lacks them; <paramref name="notice"/> hears
    /// what the cache did.
    /// </summary>
    public static EvaluationSession Open(RunRequest request, SessionParts parts = SessionParts.All, Action<string>? notice = null) =>
        Open(request, parts, notice, settingsPerPass: null);

    /// <summary>
    /// As <see cref="Open(RunRequest, SessionParts, Action{string}?)"/>, for a loop that puts at most
    /// <paramref name="settingsPerPass"/> filter settings of a data batch into one forward pass (the sweep: its setting
    /// count), so that the verified forward batch is no larger than the passes it will run.
    /// </summary>
    public static EvaluationSession Open(RunRequest request, SessionParts parts, Action<string>? notice, int? settingsPerPass) =>
        Open(request, parts, notice, settingsPerPass, passImages: null);

    /// <summary>
    /// As <see cref="Open(RunRequest, SessionParts, Action{string}?, int?)"/>, with every forward pass of exactly
    /// <paramref name="passImages"/> rows when it is given, whatever --batch-size and the shard hold: backends round an
    /// image's numbers differently at other pass sizes, so a loop whose numbers must not depend on them fixes it.
    /// </summary>
    public static EvaluationSession Open(RunRequest request, SessionParts parts, Action<string>? notice, int? settingsPerPass, int? passImages)
    {
        torch.set_num_threads(request.Threads);
        torch.manual_seed(unchecked((long)request.Seed));
        bool inference = parts.HasFlag(SessionParts.Model);
        // A build whose libtorch has no CUDA but whose ONNX Runtime has (-p:OnnxRuntimeBackend=cuda): --device cuda runs
        // the forward pass in ONNX Runtime on the GPU and everything else (decoding, the FFT filter) on the CPU.
        bool onnxCuda = inference && request.Device == "cuda" && request.Engine != Engines.Torch && !torch.cuda.is_available() && Onnx.OnnxRuntimeHost.HasCuda;
        Device device = inference && !onnxCuda ? TorchBackend.SelectDevice(request.Device) : CPU;
        IImageDataset? dataset = parts.HasFlag(SessionParts.Data) ? DatasetRegistry.Open(request.Dataset) : null;
        nn.Module<Tensor, Tensor>? model = null;
        Tensor? mean = null, std = null;
        Onnx.OnnxNetwork? onnxNetwork = null;
        try
        {
            int classes = request.NumClasses ?? dataset?.ClassNames.Count ?? request.Model.DefaultClasses
                ?? throw new InputException("num-classes", $"{request.Model.Name} needs the number of model outputs; expected --num-classes N or num_classes in its card.");
            if (dataset is not null && classes < dataset.ClassNames.Count)
            {
                throw !request.NumClassesFromCard
                    ? new InputException("num-classes", $"{classes} outputs cannot score dataset '{dataset.Name}' with {dataset.ClassNames.Count} classes; " +
                        $"expected at least {dataset.ClassNames.Count}.")
                    : new InputException("dataset", $"'{dataset.Name}' has {dataset.ClassNames.Count} classes, but the model card beside the weights says the model has " +
                        $"{classes} outputs; expected a dataset with at most {classes} classes (or --num-classes to override the card).");
            }
            // --limit takes the first N images; a shard then takes every N-th of those, so shards of a limited run merge
            // into exactly the limited run. A chosen index list stands in for the first N.
            if (request.Indices is not null && request.Limit is not null) throw new ArgumentException("a sweep takes either a limit or an index list, not both", nameof(request));
            IReadOnlyList<int> chosen = dataset is null ? Array.Empty<int>()
                : request.Indices ?? Enumerable.Range(0, request.Limit is { } limit ? Math.Min(limit, dataset.Count) : dataset.Count).ToArray();
            foreach (int i in chosen) // empty without a dataset
            {
                if ((uint)i >= (uint)dataset!.Count) throw new ArgumentException($"index {i} is outside the dataset's {dataset.Count} images", nameof(request));
            }
            int requested = chosen.Count;
            int[] indices = chosen.Where((_, k) => request.Shard?.Contains(k) ?? true).ToArray();
            if (dataset is not null && request.DecodedCache is { } cacheRoot)
            {
                dataset = DecodedInputCache.Open(cacheRoot, dataset, request.Preprocess, request.Dataset.MaxImagePixels, indices, request.Threads, notice);
            }
            Func<Tensor, Tensor>? forward = null;
            string? weightsSha = null;
            if (parts.HasFlag(SessionParts.Weights))
            {
                model = request.Model.Open(classes, request.WeightsPath);
                if (request.WeightsPath is { } weightsPath)
                {
                    if (!request.AllowNonfinite) FiniteWeights.Check(request.Model.NamedWeights(model), weightsPath, FiniteWeights.AllowHint);
                    weightsSha = WeightsFile.Sha256(weightsPath);
                }
            }
            ExecutionPlan? plan = null;
            if (inference && model is not null)
            {
                // Every pass runs at one verified batch: the data batch (no larger than the run), times the settings
                // that share a pass.
                int size = request.Preprocess.InputSize;
                int dataBatch = Math.Max(1, Math.Min(request.BatchSize, dataset is null ? request.BatchSize : Math.Max(1, indices.Length)));
                int perPass = Math.Min(settingsPerPass ?? int.MaxValue, ForwardBatching.SettingsPerForward(dataBatch, size, device));
                long batch = passImages ?? (long)dataBatch * Math.Max(1, perPass);
                string verdictRoot = request.CacheRoot ?? Assets.AssetCache.DefaultRoot;
                bool gradients = parts.HasFlag(SessionParts.InputGradients);
                (plan, onnxNetwork) = OnnxRuntimePlan(request, model, device, onnxCuda, classes, batch, verdictRoot, weightsSha, gradients, notice);
                if (plan is null)
                {
                    model.to(device);
                    model.eval();
                    // An archive always comes from a weights file, hashed above.
                    ModelUnderTest? archive = request.Model.IsArchive
                        ? new ModelUnderTest(request.Model.Name, Path.GetFullPath(request.WeightsPath!), weightsSha!, classes, size, 0)
                        : null;
                    plan = ExecutionPlan.Prepare(model, request.Precision, request.Layout, batch, size, request.Threads, device, verdictRoot, archive, notice, gradients);
                }
                if (parts.HasFlag(SessionParts.InputGradients))
                {
                    foreach (TorchSharp.Modules.Parameter parameter in model.parameters()) parameter.requires_grad = false;
                }
                forward = plan.Forward;
                if (request.Model.IsArchive) OutputCheck(forward, model, request, classes, device);
                if (request.Mean.Count > 0)
                {
                    mean = tensor(request.Mean.ToArray(), new long[] { 1, 3, 1, 1 }).to(device);
                    std = tensor(request.Std.ToArray(), new long[] { 1, 3, 1, 1 }).to(device);
                }
            }
            return new EvaluationSession(request, device, dataset, classes, requested, indices, model, forward, weightsSha, mean, std) { Plan = plan, engineNetwork = onnxNetwork };
        }
        catch
        {
            Release(dataset, model, mean, std, onnxNetwork);
            throw;
        }
    }

    // A model that brings its own code may want another input size or return something else than [N, classes]: one
    // forward pass on two blank images says so before any image is read.
    static void OutputCheck(Func<Tensor, Tensor> forward, nn.Module<Tensor, Tensor> model, RunRequest request, int classes, Device device)
    {
        int size = request.Preprocess.InputSize;
        string path = request.WeightsPath ?? request.Model.Name;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor logits;
        try
        {
            logits = forward(zeros(new long[] { 2, 3, size, size }, device: device));
        }
        catch (Exception e) when (e is System.Runtime.InteropServices.ExternalException or InvalidOperationException or ArgumentException)
        {
            if (RunsOnOneImageOnly(model, size, device))
            {
                throw new InputException("weights", $"'{path}' runs on one image but fails on a batch of them ({request.Model.ErrorLine(e.Message)}); " +
                    "expected a model that takes any batch [N, 3, H, W] (one exported with its batch fixed, or that reshapes to one row, " +
                    "x.reshape(1, -1) where x.flatten(1) was meant, cannot be evaluated in batches).", e);
            }
            throw new InputException("input-size", $"'{path}' fails on a batch of 2 x 3 x {size} x {size} inputs: {request.Model.ErrorLine(e.Message)}; " +
                "expected the input size it was exported for (set input_size in its card or --input-size).", e);
        }
        if (logits.dim() != 2 || logits.shape[0] != 2 || logits.shape[1] != classes)
        {
            throw new InputException("num-classes", $"'{path}' returns [{string.Join(", ", logits.shape)}] for 2 images; expected logits [2, {classes}] " +
                $"({(request.NumClasses is null ? "the dataset's class count" : request.NumClassesFromCard ? "num_classes in its card" : "--num-classes")}).");
        }
    }

    // Whether the bare model takes one blank image and refuses two: its batch is the fault, not the input size.
    static bool RunsOnOneImageOnly(nn.Module<Tensor, Tensor> model, int size, Device device)
    {
        ScalarType type = model.parameters().FirstOrDefault()?.dtype ?? ScalarType.Float32;
        bool Runs(long images)
        {
            try
            {
                using Tensor output = model.forward(zeros(new long[] { images, 3, size, size }, type, device));
                return true;
            }
            catch (Exception e) when (e is System.Runtime.InteropServices.ExternalException or InvalidOperationException or ArgumentException or InputException)
            {
                return false;
            }
        }
        return Runs(1) && !Runs(2);
    }

    static void Release(params IDisposable?[] parts)
    {
        foreach (IDisposable? part in parts) part?.Dispose();
    }

    /// <summary>
    /// A run that evaluated no image has no result, only rows of 0.00 % that look like one: an input error, except for a
    /// shard that happens to hold no image, which records n = 0 and merges.
    /// </summary>
    public void RequireEvaluated(IReadOnlyList<SkippedImage> skipped)
    {
        int attempted = Indices.Count;
        if (attempted - skipped.Count > 0 || (Request.Shard is not null && attempted == 0)) return;
        string why = attempted == 0
            ? "the run selects no image (check --limit and the dataset)"
            : $"all {attempted} images were skipped as undecodable, e.g. {string.Join("; ", skipped.Take(3).Select(s => $"{s.Item}: {s.Reason}"))}";
        throw new InputException($"no image was evaluated: {why}; no results were written.");
    }

    /// <summary>
    /// The provenance of this session's run: <paramref name="convention"/> names the analysis, <paramref name="evaluated"/>
    /// and <paramref name="skipped"/> count images, <paramref name="started"/> is when it began.
    /// </summary>
    public RunMetadata Metadata(string convention, bool clip, int evaluated, int skipped, DateTimeOffset started) =>
        RunMetadata.For(Request, Dataset, WeightsSha256, Classes, Requested, evaluated, skipped, convention, clip, TorchBackend.Describe(Device), started)
            with { Layout = Plan?.Layout ?? Request.Layout, ExecutionPath = Plan?.Path, Verification = Plan?.VerificationKey };

    // The ONNX Runtime network that runs a native model's graph (--engine), owned by the session.
    Onnx.OnnxNetwork? engineNetwork;

    /// <summary>
    /// The plan that runs the model in ONNX Runtime, or (null, null) for libtorch: an ONNX model always (never with
    /// --engine torch); a native ResNet with --engine onnxruntime (an error naming why where it cannot), or with auto
    /// on the CPU at fp32, --layout auto and no gradients, where its graph verifies. The second item is the ONNX Runtime
    /// network made for a native model, for the session to dispose.
    /// </summary>
    static (ExecutionPlan? Plan, Onnx.OnnxNetwork? Network) OnnxRuntimePlan(RunRequest request, nn.Module<Tensor, Tensor> model, Device device, bool cuda,
        int classes, long batch, string cacheRoot, string? weightsSha, bool gradients, Action<string>? notice)
    {
        int size = request.Preprocess.InputSize;
        string engine = request.Engine;
        if (!Engines.Names.Contains(engine)) throw new InputException("engine", $"'{engine}' is not one of {string.Join(", ", Engines.Names)}.");
        string label = request.WeightsPath ?? request.Model.Name;
        if (model is Onnx.OnnxNetwork onnx)
        {
            if (engine == Engines.Torch)
            {
                throw new InputException("engine", $"'torch': '{label}' is an ONNX model, which ONNX Runtime runs; expected --engine auto or onnxruntime " +
                    "(or a TorchScript export of the model for libtorch).");
            }
            if (gradients)
            {
                throw new InputException("weights", $"'{label}' is an ONNX model, which ONNX Runtime runs for inference only: it has no gradient with respect to " +
                    "its input; expected a TorchScript archive (scripts/export_model.py --format torchscript) or a native model.");
            }
            if (device.type != DeviceType.CPU)
            {
                throw new InputException("device", $"'{TorchBackend.Describe(device)}': this build runs ONNX models on the CPU only; expected --device cpu " +
                    "(or a build with -p:OnnxRuntimeBackend=cuda, see docs/gpu.md).");
            }
            onnx.CheckRun(size, classes, request.NumClasses is null ? "the dataset's class count" : request.NumClassesFromCard ? "num_classes in its card" : "--num-classes");
            var file = new ModelUnderTest(request.Model.Name, Path.GetFullPath(request.WeightsPath!), weightsSha!, classes, size, batch);
            if (!cuda) return (ExecutionPlan.PrepareOnnx(onnx, request.Precision, file, request.Threads, device, cacheRoot, notice, required: true), null);
            Onnx.OnnxNetwork onGpu = Onnx.OnnxNetwork.Open(file.WeightsPath, request.Threads, optimise: true, cuda: true);
            try
            {
                return (ExecutionPlan.PrepareOnnx(onGpu, request.Precision, file, request.Threads, device, cacheRoot, notice, required: true), onGpu);
            }
            catch
            {
                onGpu.Dispose();
                throw;
            }
        }
        if (engine == Engines.Torch) return (null, null);
        string? why = request.Model.IsArchive ? $"'{label}' is {request.Model.FileKind!.ModelDescription}, which libtorch runs (export it with scripts/export_model.py --format onnx)"
            : NativeOnnxGraph.WhyNot(model) is { } cannot ? $"{request.Model.Name}: {cannot}"
            : gradients ? "this analysis differentiates the model, and ONNX Runtime runs it for inference only"
            : request.Precision != InferencePrecision.Default ? $"ONNX Runtime runs it at fp32 only, not {request.Precision}"
            : device.type != DeviceType.CPU ? $"this build runs ONNX Runtime on the CPU (build with -p:OnnxRuntimeBackend=cuda for its CUDA provider), and the run is on {TorchBackend.Describe(device)}"
            : null;
        if (engine == Engines.Auto && (why is not null || request.Layout != ExecutionPlan.AutoLayout)) return (null, null);
        if (why is not null) throw new InputException("engine", $"'onnxruntime' cannot run this: {why}; expected --engine torch (or auto).");
        string graph = NativeOnnxGraph.Cached(model, request.Model.Name, size, cacheRoot, message => notice?.Invoke(PathVerifier.InformationPrefix + message));
        Onnx.OnnxNetwork network = Onnx.OnnxNetwork.Open(graph, request.Threads, optimise: true, cuda);
        try
        {
            var under = new ModelUnderTest(request.Model.Name, graph, Path.GetFileNameWithoutExtension(graph), classes, size, batch);
            ExecutionPlan? plan = ExecutionPlan.PrepareOnnx(network, request.Precision, under, request.Threads, device, cacheRoot, notice, required: engine == Engines.OnnxRuntime);
            if (plan is null)
            {
                notice?.Invoke($"ONNX Runtime's graph of {request.Model.Name} does not verify on this machine; running it in libtorch (see `freqprobe doctor`)");
                network.Dispose();
                return (null, null);
            }
            return (plan, network);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose() => Release(dataset, model, mean, std, engineNetwork);
}
