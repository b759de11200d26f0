using System.Globalization;
using FreqProbe.Core.Assets;
using FreqProbe.Core.Datasets;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.IO;
using FreqProbe.Core.Models;
using FreqProbe.Core.Spectral;

namespace FreqProbe.Core.Planning;

/// <summary>Which filters a run evaluates: one filter family, or none (heat maps, previews).</summary>
public enum RunKind
{
    /// <summary>Low-pass at each radius.</summary>
    LowPass,
    /// <summary>High-pass at each radius.</summary>
    HighPass,
    /// <summary>Band-pass at each band.</summary>
    BandPass,
    /// <summary>No filters: the model, data and execution settings only (heat maps, interactions, kernels, previews).</summary>
    Unfiltered,
}

/// <summary>What a command needs resolved besides the model: its weights and its data.</summary>
[Flags]
public enum RunNeeds
{
    /// <summary>The model architecture and its preprocessing only (previews).</summary>
    Architecture = 0,
    /// <summary>The weights file, downloaded if need be.</summary>
    Weights = 1,
    /// <summary>The dataset and its folder.</summary>
    Data = 2,
    /// <summary>Both: every evaluating run.</summary>
    All = Weights | Data,
}

/// <summary>The outcome of resolving a run: the plan, or every problem found, plus what the run must do first.</summary>
/// <param name="Request">The run description, or null when there are problems.</param>
/// <param name="Problems">Every problem found, in setting order.</param>
/// <param name="BuiltInDefault">True when none of model, weights, dataset and data was given and the built-in default runs.</param>
/// <param name="Download">Weights to download into the cache before the run, or null.</param>
/// <param name="OutPath">The results file, or null.</param>
/// <param name="PredictionsPath">The per-image predictions file, or null.</param>
/// <param name="Quiet">No progress and no table.</param>
public sealed record Resolution(RunRequest? Request, IReadOnlyList<Problem> Problems, bool BuiltInDefault, WeightsDownload? Download,
    string? OutPath, string? PredictionsPath, bool Quiet)
{
    /// <summary>True when the run can start.</summary>
    public bool Ok => Request is not null && Problems.Count == 0;
}

/// <summary>
/// Turns given settings into one run description, deciding every default once. Precedence: the given settings (the
/// command line over a config run over config defaults, merged by <see cref="GivenSettings"/>) &gt; the model card
/// beside the weights &gt; the model's own defaults (its weights, dataset, input size, crop and normalisation) &gt;
/// built-ins. With none of model, weights, dataset and data the built-in default runs: the shipped synthetic model
/// on the synthetic test split. Nothing is read beyond small files (the card) and nothing is downloaded: weights
/// missing from the cache come back as a <see cref="WeightsDownload"/>.
/// </summary>
public static class RunResolver
{
    /// <summary>The --weights spelling for random weights.</summary>
    public const string RandomWeights = "random";

    /// <summary>Resolves <paramref name="given"/> for a run of <paramref name="kind"/>.</summary>
    public static Resolution Resolve(GivenSettings given, RunKind kind, ResolverEnvironment environment, RunNeeds needs = RunNeeds.All)
    {
        var problems = new List<Problem>();
        T Collect<T>(Func<T> action, T fallback)
        {
            try
            {
                return action();
            }
            catch (InputException e)
            {
                problems.Add(e.ToProblem());
                return fallback;
            }
        }
        void Add(Setting setting, string message) => problems.Add(new Problem(setting.Name, message));

        string? modelName = given.Text(RunSettings.Model);
        string? weightsName = given.Text(RunSettings.Weights);
        string? datasetName = given.Text(RunSettings.Dataset);
        string? data = given.Text(RunSettings.Data);
        bool builtInDefault = modelName is null && weightsName is null && datasetName is null && data is null;
        if (builtInDefault)
        {
            weightsName = BuiltInModels.Default;
            datasetName = "synthetic";
        }
        bool offline = environment.Offline || given.Flag(RunSettings.Offline);

        // The model: given, else the card's. Its standard weights, when it has them, are the default weights.
        ModelSpec? model = modelName is null ? null : Collect(() => ModelRegistry.Get(modelName), null);
        if (weightsName is null && model is not null && needs.HasFlag(RunNeeds.Weights))
        {
            if (model.FileKind is { } needsFile)
            {
                Add(RunSettings.Weights, $"--model {model.Name} loads its network from --weights FILE; expected {needsFile.FileDescription} written by {needsFile.Producer} " +
                    $"({needsFile.Exporter} writes one, with its card).");
                return new Resolution(null, problems, false, null, given.Text(RunSettings.Out), given.Text(RunSettings.Predictions), given.Flag(RunSettings.Quiet));
            }
            if (AssetCatalog.TorchvisionWeightsFor(model.Name) is not null) weightsName = "torchvision";
            else
            {
                // The weights decide the rest (their card names the data), so this is the one thing to say.
                Add(RunSettings.Weights, $"{model.Name} has no standard pretrained weights; pass --weights FILE, e.g. a model trained here " +
                    $"({string.Join(", ", BuiltInModels.TrainedInRepository)}), {BuiltInModels.Default}, or --weights {RandomWeights} for a smoke test.");
                return new Resolution(null, problems, false, null, given.Text(RunSettings.Out), given.Text(RunSettings.Predictions), given.Flag(RunSettings.Quiet));
            }
        }
        WeightsChoice weights = ResolveWeights(weightsName, model?.Name ?? modelName, environment, offline, needs.HasFlag(RunNeeds.Weights), Add, Collect);
        ModelCard? card = weights.Card;
        // A file that carries its network (a TorchScript archive) is its own model: its kind is recognised by its
        // contents, whatever its extension.
        if (weights.Kind is { } fileKind)
        {
            if (model is not null && model.FileKind != fileKind)
            {
                Add(RunSettings.Model, $"'{weights.Path}' is {fileKind.FileDescription}, which carries its own network; drop --model {model.Name} " +
                    $"(or pass --model {fileKind.Name}).");
            }
            else if (modelName is null) model = ModelRegistry.Get(fileKind.Name);
        }
        if (model is null && modelName is null && card?.Model is { } cardModel) model = Collect(() => ModelRegistry.Get(cardModel), null);
        if (model?.FileKind is { } expectedKind && weights.Path is { } notOfKind && weights.Kind is null)
        {
            Add(RunSettings.Weights, $"'{notOfKind}' is not {expectedKind.FileDescription}: {expectedKind.WhyNot(notOfKind)}; expected a file written by " +
                $"{expectedKind.Producer}, or a state dict with a registry --model.");
        }
        if (model?.FileKind is { } randomKind && weights.Random)
        {
            Add(RunSettings.Weights, $"{RandomWeights}: {randomKind.ModelDescription} carries its weights; expected {randomKind.FileDescription}.");
        }
        if (model is null && modelName is null)
        {
            Add(RunSettings.Model, weights.Path is null
                ? $"required; expected one of: {string.Join(", ", ModelRegistry.Names)}."
                : $"required (no model card beside '{weights.Path}' to take it from); expected one of: {string.Join(", ", ModelRegistry.Names)}.");
        }

        // The data: given, else the card's training set (when it needs no folder or one was given), else the model's own.
        if (datasetName is null && card?.Dataset is { } cardDataset && DatasetRegistry.Names.Contains(cardDataset)
            && (data is not null || !DatasetRegistry.NeedsData(cardDataset)))
        {
            datasetName = cardDataset;
        }
        string? classes = given.Text(RunSettings.Classes);
        // The card's label space is checked whether or not it is used: a card is validated like the options.
        if (card?.LabelSpace is { } labelSpace)
        {
            bool named = DatasetRegistry.Names.Contains(labelSpace) && !string.Equals(labelSpace, "imagefolder", StringComparison.Ordinal);
            // Else a class list beside the card: the outputs are those folders, read from an image folder.
            string list = named ? "" : Path.Combine(Path.GetDirectoryName(ModelCard.PathFor(weights.Path!))!, labelSpace);
            if (!named && (labelSpace.Length == 0 || !File.Exists(list)))
            {
                Add(RunSettings.Weights, $"the card {ModelCard.PathFor(weights.Path!)} names label_space '{labelSpace}', which is neither " +
                    $"{string.Join(", ", DatasetRegistry.Names.Where(n => n != "imagefolder"))} nor a class-list file beside it ({list} not found); expected one of those.");
            }
            else if (datasetName is null)
            {
                datasetName = named ? labelSpace : "imagefolder";
                if (!named) classes ??= list;
            }
        }
        datasetName ??= model?.DefaultDataset;
        bool? needsData = datasetName is null ? null : Collect<bool?>(() => DatasetRegistry.NeedsData(datasetName), null);
        bool dataNeeded = needs.HasFlag(RunNeeds.Data);
        if (dataNeeded && needsData == true && data is null)
        {
            data = DefaultDataFolder(datasetName!, environment.Cache, out string? missing);
            if (missing is not null) Add(RunSettings.Data, missing);
        }
        else if (data is not null && !Directory.Exists(data))
        {
            Add(RunSettings.Data, File.Exists(data) ? $"'{data}' is a file; expected a folder." : $"'{data}' is not a directory.");
        }
        if (classes is not null && !File.Exists(classes)) Add(RunSettings.Classes, $"'{classes}' not found; expected a file with one class folder name per line.");

        // Execution.
        ShardSpec? shard = given.Text(RunSettings.Shard) is { } shardText ? Collect<ShardSpec?>(() => ShardSpec.Resolve(shardText, environment.Variable), null) : null;
        int? limit = Positive(given, RunSettings.Limit, "images", Add);
        int? batch = Positive(given, RunSettings.BatchSize, "images per batch", Add);
        int threads = Positive(given, RunSettings.Threads, "threads", Add) ?? Environment.ProcessorCount;
        int? numClasses = Positive(given, RunSettings.NumClasses, "outputs", Add);
        if (numClasses is null && card?.NumClasses is { } cardClasses)
        {
            if (DataConfigRules.NumClasses(cardClasses) is { } problem) Add(RunSettings.Weights, $"the card {ModelCard.PathFor(weights.Path!)} says num_classes {cardClasses}; {problem}.");
            else numClasses = cardClasses;
        }
        double checkpointSeconds = given.Number(RunSettings.CheckpointEvery) ?? RunRequest.DefaultCheckpointSeconds;
        if (!(checkpointSeconds > 0) || double.IsInfinity(checkpointSeconds))
        {
            Add(RunSettings.CheckpointEvery, $"{checkpointSeconds.ToString(CultureInfo.InvariantCulture)} is not a positive number of seconds.");
        }
        double? forwardTimeout = given.Number(RunSettings.ForwardTimeout);
        if (forwardTimeout is { } timeout && !(timeout >= 0 && double.IsFinite(timeout)))
        {
            Add(RunSettings.ForwardTimeout, $"{timeout.ToString(CultureInfo.InvariantCulture)} is not a number of seconds; expected 0 (no limit) or more.");
        }
        int? inputSize = Positive(given, RunSettings.InputSize, "pixels", Add);
        if (inputSize is { } givenSize && DataConfigRules.InputSize(givenSize) is { } sizeProblem) Add(RunSettings.InputSize, $"{givenSize} is too small; {sizeProblem}.");
        int? maxImagePixels = Positive(given, RunSettings.MaxImagePixels, "pixels", Add);
        float[]? mean = Triple(given, RunSettings.Mean, positive: false, Add) ?? CardStats(card, card?.Mean, "mean", positive: false, weights.Path, Add) ?? model?.Mean?.ToArray();
        float[]? std = Triple(given, RunSettings.Std, positive: true, Add) ?? CardStats(card, card?.Std, "std", positive: true, weights.Path, Add) ?? model?.Std?.ToArray();
        if (mean is not null && std is not null && (mean.Length == 0) != (std.Length == 0))
        {
            Add(mean.Length == 0 ? RunSettings.Std : RunSettings.Mean, "none for one of --mean and --std needs none for the other (the model normalises itself, or it does not); " +
                $"got mean {(mean.Length == 0 ? "none" : "numbers")} and std {(std.Length == 0 ? "none" : "numbers")}.");
        }

        // Preprocessing: the card's over the model's; a given input size keeps the crop ratio; then --crop-pct and --interpolation.
        PreprocessPolicy? preprocess = CardPolicy(card, weights.Path, Add) ?? model?.Preprocess;
        if (weights.EvalResize is { } evalResize && preprocess is not null) preprocess = preprocess with { ResizeShorter = evalResize };
        if (inputSize is { } size && DataConfigRules.InputSize(size) is null) preprocess = preprocess is null ? PreprocessPolicy.Native(size) : Rescaled(preprocess, size);
        if (given.Number(RunSettings.CropPct) is { } cropPct)
        {
            if (DataConfigRules.CropPct(cropPct) is { } pctProblem) Add(RunSettings.CropPct, $"{cropPct.ToString(CultureInfo.InvariantCulture)} is out of range; {pctProblem}.");
            else if (preprocess is not null) preprocess = PreprocessPolicy.FromCropPct(preprocess.InputSize, cropPct, preprocess.Interpolation);
        }
        if (given.Text(RunSettings.Interpolation) is { } interpolation && preprocess is not null)
        {
            preprocess = preprocess with { Interpolation = interpolation == "bicubic" ? ResizeInterpolation.Bicubic : ResizeInterpolation.Bilinear };
        }

        // A model without a data config of its own (TorchScript) takes every field from its card or the command line.
        // Only fields the card does not have are lacking: a field it has with a bad value was reported above, and an
        // unreadable card was reported when it was read.
        bool cardUnreadable = card is null && weights.Path is { } withCard && File.Exists(ModelCard.PathFor(withCard));
        if (model is { Preprocess: null, FileKind: { } ownKind } && weights.Kind is not null && weights.Path is { } archivePath && !cardUnreadable)
        {
            var lacking = new List<(string Field, string Option)>();
            if (preprocess is null && card?.InputSize is null) lacking.Add(("input_size", "--input-size"));
            if (needs.HasFlag(RunNeeds.Weights) && ((mean is null && card?.Mean is null) || (std is null && card?.Std is null)))
            {
                lacking.Add(("mean and std (or \"none\")", "--mean/--std"));
            }
            if (needs.HasFlag(RunNeeds.Weights) && numClasses is null && card?.NumClasses is null) lacking.Add(("num_classes", "--num-classes"));
            if (needs.HasFlag(RunNeeds.Data) && datasetName is null && card?.LabelSpace is null) lacking.Add(("label_space", "--dataset"));
            if (lacking.Count > 0)
            {
                string cardPath = ModelCard.PathFor(archivePath);
                Add(RunSettings.Weights, $"'{archivePath}' is {ownKind.ModelDescription} and its data config lacks {string.Join(", ", lacking.Select(l => l.Field))}: " +
                    $"write {(lacking.Count == 1 ? "it" : "them")} in {cardPath}{(card is null ? " (there is none)" : "")}, as {ownKind.Exporter} does, " +
                    $"or pass {string.Join(" ", lacking.Select(l => l.Option))}.");
            }
        }

        if (!needs.HasFlag(RunNeeds.Weights))
        {
            // Nothing runs the model (previews): normalisation does not matter.
            mean ??= Array.Empty<float>();
            std ??= Array.Empty<float>();
        }

        // Checked even when the model is unknown, so that every problem is reported at once.
        IReadOnlyList<FrequencyFilter> filters = Filters(given, kind, preprocess?.InputSize ?? 32, Add, Collect);

        if (preprocess is not null)
        {
            problems.AddRange(RunLimits.Check(threads, preprocess.InputSize, batch ?? DefaultBatch(preprocess.InputSize), filters.Count));
        }

        // The decoded cache is a folder, made on first use: a file at its path, or on the way to it, fails now, not
        // after other runs of a sweep have written their results.
        string? decodedCache = given.Text(RunSettings.DecodedCache);
        if (decodedCache is not null && FileOnTheWay(decodedCache) is { } blocking)
        {
            Add(RunSettings.DecodedCache, blocking == Path.GetFullPath(decodedCache)
                ? $"'{decodedCache}' is a file; expected a folder (made if missing) for the decoded images."
                : $"'{decodedCache}' cannot be made: '{blocking}' on its path is a file; expected a folder path.");
        }

        // Outputs.
        string? outPath = given.Text(RunSettings.Out);
        string? predictionsPath = given.Text(RunSettings.Predictions);
        if (outPath is not null)
        {
            if (FormatTags.ResultExtensionProblem(outPath) is { } format) Add(RunSettings.Out, format);
            if (AtomicFile.CheckWritable(outPath, environment.OutputFoldersCreated) is { } why) Add(RunSettings.Out, $"cannot write '{outPath}': {why}.");
        }
        if (predictionsPath is not null)
        {
            if (!predictionsPath.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) Add(RunSettings.Predictions, $"'{predictionsPath}' must end in .csv.");
            else if (AtomicFile.CheckWritable(predictionsPath, environment.OutputFoldersCreated) is { } why) Add(RunSettings.Predictions, $"cannot write '{predictionsPath}': {why}.");
        }
        // No output may be another output or a file the run reads.
        var writes = new List<PlannedFile>();
        if (outPath is not null) writes.Add(new PlannedFile(outPath, "the --out file", RunSettings.Out.Name));
        if (predictionsPath is not null) writes.Add(new PlannedFile(predictionsPath, "the --predictions file", RunSettings.Predictions.Name));
        var reads = new List<PlannedFile>();
        if (weights.Path is { } weightsFile) reads.AddRange(new[] { new PlannedFile(weightsFile, "the weights file"), new PlannedFile(ModelCard.PathFor(weightsFile), "the model card") });
        if (classes is not null) reads.Add(new PlannedFile(classes, "the class list"));
        foreach ((PlannedFile write, PlannedFile other, bool isRead) in FilePlan.Collisions(writes, reads))
        {
            problems.Add(new Problem(write.Setting, isRead
                ? $"'{write.Path}' is {other.What} this run reads; expected a new file."
                : $"'{write.Path}' is also {other.What}; one output would replace the other. Expected another file."));
        }
        bool resume = given.Flag(RunSettings.Resume);
        if (resume && outPath is null)
        {
            Add(RunSettings.Resume, "needs --out, beside which the checkpoint is kept.");
        }

        if (problems.Count > 0 || model is null || (datasetName is null && dataNeeded) || preprocess is null || mean is null || std is null)
        {
            return new Resolution(null, problems, builtInDefault, null, outPath, predictionsPath, given.Flag(RunSettings.Quiet));
        }
        var request = new RunRequest
        {
            Model = model,
            WeightsPath = weights.Path,
            WeightsName = weights.Random ? null : weightsName,
            NumClasses = numClasses,
            NumClassesFromCard = !given.Has(RunSettings.NumClasses) && card is not null,
            Preprocess = preprocess,
            Mean = mean ?? throw new InvalidOperationException("no mean"),
            Std = std ?? throw new InvalidOperationException("no std"),
            Dataset = new DatasetOptions(datasetName ?? model.DefaultDataset ?? "synthetic", data, given.Text(RunSettings.Split) ?? "test", classes, Seed: given.Seed(RunSettings.Seed) ?? 0,
                MaxImagePixels: maxImagePixels ?? ImageFileCheck.DefaultMaxPixels),
            AllowNonfinite = given.Flag(RunSettings.AllowNonfinite),
            Filters = filters,
            Clip = given.Flag(RunSettings.Clip),
            BatchSize = batch ?? DefaultBatch(preprocess.InputSize),
            Threads = threads,
            Device = given.Text(RunSettings.Device) ?? "auto",
            Precision = given.Text(RunSettings.Precision) ?? RunSettings.Precision.Default!,
            Layout = given.Text(RunSettings.Layout) ?? RunSettings.Layout.Default!,
            Engine = given.Text(RunSettings.Engine) ?? RunSettings.Engine.Default!,
            Limit = limit,
            Shard = shard,
            Seed = given.Seed(RunSettings.Seed) ?? 0,
            OnBadImage = given.Text(RunSettings.OnBadImage) == "skip" ? BadImagePolicy.Skip : BadImagePolicy.Fail,
            DecodedCache = decodedCache,
            PerClass = given.Flag(RunSettings.PerClass),
            CheckpointPath = outPath is null ? null : SweepCheckpoint.PathFor(outPath),
            Fingerprint = m => RunSettings.Fingerprint(m),
            Resume = resume,
            CheckpointSeconds = checkpointSeconds,
            ForwardTimeoutSeconds = forwardTimeout,
            CommandLine = environment.CommandLine,
            CacheRoot = environment.CacheRoot,
        };
        return new Resolution(request, problems, builtInDefault, weights.Download, outPath, predictionsPath, given.Flag(RunSettings.Quiet));
    }

    /// <summary>Images per data batch unless given: 64 for inputs up to 64 pixels, 16 above.</summary>
    public static int DefaultBatch(int inputSize) => inputSize <= 64 ? 64 : 16;

    /// <summary>The default radius list for a model-input side: 2..16:2 up to 64 pixels, 4..32:4 above.</summary>
    public static string DefaultRadii(int inputSize) => inputSize > 64 ? "4..32:4" : "2..16:2";

    /// <summary><paramref name="policy"/> at another input side, keeping its crop ratio (or its lack of a resize).</summary>
    public static PreprocessPolicy Rescaled(PreprocessPolicy policy, int inputSize) => policy with
    {
        InputSize = inputSize,
        ResizeShorter = policy.ResizeShorter is { } shorter ? (int)Math.Floor((double)inputSize * shorter / policy.InputSize) : null,
    };

    // The card's data config as a policy: its input size, its resize (resize_shorter, or timm's crop_pct) and
    // interpolation, each held to the rule of its option (DataConfigRules).
    static PreprocessPolicy? CardPolicy(ModelCard? card, string? weightsPath, Action<Setting, string> add)
    {
        if (card?.InputSize is not { } size) return null;
        string where = $"the card {ModelCard.PathFor(weightsPath ?? "")}";
        bool ok = true;
        void Check(string? problem, string field, object value)
        {
            if (problem is null) return;
            add(RunSettings.Weights, string.Create(CultureInfo.InvariantCulture, $"{where} says {field} {value}; {problem}."));
            ok = false;
        }
        Check(DataConfigRules.InputSize(size), "input_size", size);
        if (card.Interpolation is { } named) Check(DataConfigRules.Interpolation(named), "interpolation", $"'{named}'");
        if (card.CropPct is { } cropPct) Check(DataConfigRules.CropPct(cropPct), "crop_pct", cropPct);
        if (card.ResizeShorter is { } resize) Check(DataConfigRules.ResizeShorter(resize, size), "resize_shorter", resize);
        if (card.CropPct is not null && card.ResizeShorter is not null)
        {
            add(RunSettings.Weights, $"{where} gives both resize_shorter and crop_pct; expected one of them.");
            ok = false;
        }
        if (!ok) return null;
        ResizeInterpolation interpolation = card.Interpolation == "bicubic" ? ResizeInterpolation.Bicubic : ResizeInterpolation.Bilinear;
        return card.CropPct is { } pct ? PreprocessPolicy.FromCropPct(size, pct, interpolation) : new PreprocessPolicy(size, card.ResizeShorter, interpolation);
    }

    // The first existing ancestor-or-self of PATH when it is not a folder (a file, a pipe, a device), else null.
    static string? FileOnTheWay(string path)
    {
        for (string? at = Path.GetFullPath(path); at is not null; at = Path.GetDirectoryName(at))
        {
            if (Directory.Exists(at)) return null;
            if (File.Exists(at)) return at;
        }
        return null;
    }

    sealed record WeightsChoice(string? Path, ModelCard? Card, WeightsDownload? Download, bool Random, IModelFileKind? Kind = null, int? EvalResize = null);

    static WeightsChoice ResolveWeights(string? name, string? architecture, ResolverEnvironment environment, bool offline, bool needed,
        Action<Setting, string> add, Func<Func<ModelCard?>, ModelCard?, ModelCard?> collectCard)
    {
        var none = new WeightsChoice(null, null, null, Random: false);
        switch (name)
        {
            case null:
                return none;
            case RandomWeights:
                return none with { Random = true };
            case "torchvision" or "torchvision-v2":
            {
                if (architecture is null)
                {
                    add(RunSettings.Weights, $"{name} needs --model, e.g. --model resnet50.");
                    return none;
                }
                bool v2 = name == "torchvision-v2";
                if (AssetCatalog.TorchvisionWeightsFor(architecture, v2) is not { } spec)
                {
                    add(RunSettings.Weights, $"torchvision publishes no {(v2 ? "V2 " : "")}ImageNet weights for '{architecture}'; expected a model with them: " +
                        string.Join(", ", AssetCatalog.All.Where(a => a.Kind == AssetKind.Weights).Select(a => a.Name)) + ".");
                    return none;
                }
                AssetCache cache = environment.Cache;
                string final = cache.FinalPath(spec);
                var standard = none with { EvalResize = spec.EvalResize };
                if (!needed) return standard;
                if (cache.Has(spec)) return standard with { Path = final };
                Uri source = environment.SourceOf(spec);
                if (offline)
                {
                    add(RunSettings.Weights, $"{spec.FileName} ({name} for {architecture}) is not in the cache and downloads are off (--offline or FREQPROBE_OFFLINE=1): " +
                        $"place the file from {source} at {final}, or run `freqprobe fetch {spec.Name}` where there is network.");
                    return standard;
                }
                return standard with { Path = final, Download = new WeightsDownload(spec, source, final) };
            }
            default:
            {
                string? path;
                try
                {
                    path = BuiltInModels.Resolve(name, environment.CacheRoot);
                }
                catch (InputException e)
                {
                    add(RunSettings.Weights, e.Message);
                    return none;
                }
                if (Directory.Exists(path))
                {
                    add(RunSettings.Weights, $"'{path}' is a folder; expected a weights file (.pth, .pt, .safetensors or .dat).");
                    return none;
                }
                if (!File.Exists(path))
                {
                    add(RunSettings.Weights, $"'{path}' not found.");
                    return none;
                }
                return none with { Path = path, Card = collectCard(() => ModelCard.TryLoadFor(path), null), Kind = ModelFileKinds.Of(path) };
            }
        }
    }

    // Where a dataset's files are when --data is not given; a message naming how to get them when they are not there.
    static string? DefaultDataFolder(string dataset, AssetCache cache, out string? missing)
    {
        missing = null;
        switch (dataset)
        {
            case "cifar10":
                if (cache.Cifar10Folder() is { } cifar) return cifar;
                missing = $"not given, and CIFAR-10 is not in the cache ({cache.Root}); run `freqprobe fetch cifar10` or pass --data DIR.";
                return null;
            case "imagenet":
                if (Directory.Exists(cache.ImageNetValFolder)) return cache.ImageNetValFolder;
                missing = $"not given, and no ImageNet validation images are at {cache.ImageNetValFolder}; run `freqprobe prepare imagenet-val " +
                    "--images DIR --ground-truth LOC_val_solution.csv` (it writes there without --out), or pass --data DIR/val.";
                return null;
            default:
                missing = $"dataset '{dataset}' needs --data DIR ({DatasetRegistry.Describe(dataset)}).";
                return null;
        }
    }

    static IReadOnlyList<FrequencyFilter> Filters(GivenSettings given, RunKind kind, int inputSize, Action<Setting, string> add,
        Func<Func<IReadOnlyList<FrequencyFilter>>, IReadOnlyList<FrequencyFilter>, IReadOnlyList<FrequencyFilter>> collect)
    {
        MaskShape shape = given.Text(RunSettings.Shape) == "square" ? MaskShape.Square : MaskShape.Circle;
        MaskProfile profile = given.Text(RunSettings.Profile) == "gaussian" ? MaskProfile.Gaussian : MaskProfile.Ideal;
        switch (kind)
        {
            case RunKind.LowPass or RunKind.HighPass:
                if (given.Has(RunSettings.Bands)) add(RunSettings.Bands, $"belongs to bandpass; a {(kind == RunKind.LowPass ? "lowpass" : "highpass")} run takes radii.");
                return collect(() => RadiusList.Parse(given.Text(RunSettings.Radii) ?? DefaultRadii(inputSize))
                    .Select(r => kind == RunKind.LowPass ? FrequencyFilter.LowPass(r, shape, profile) : FrequencyFilter.HighPass(r, shape, profile)).ToArray(),
                    Array.Empty<FrequencyFilter>());
            case RunKind.BandPass:
                if (given.Has(RunSettings.Radii)) add(RunSettings.Radii, "belongs to lowpass and highpass; a bandpass run takes bands.");
                if (given.Text(RunSettings.Bands) is not { } bands)
                {
                    add(RunSettings.Bands, "required for a bandpass run, e.g. 0-4,4-8,8-16.");
                    return Array.Empty<FrequencyFilter>();
                }
                return collect(() => RadiusList.ParseBands(bands).Select(b => FrequencyFilter.BandPass(b.Inner, b.Outer, shape, profile)).ToArray(),
                    Array.Empty<FrequencyFilter>());
            default:
                return Array.Empty<FrequencyFilter>();
        }
    }

    static int? Positive(GivenSettings given, Setting setting, string unit, Action<Setting, string> add)
    {
        int? value = given.Count(setting);
        if (value is < 1)
        {
            add(setting, $"{value} is not a positive number of {unit}; expected 1 or more.");
            return null;
        }
        return value;
    }

    static float[]? Triple(GivenSettings given, Setting setting, bool positive, Action<Setting, string> add)
    {
        if (given.Text(setting) is not { } text) return null;
        if (text == ChannelStatsJsonConverter.None) return Array.Empty<float>();
        string[] parts = text.Split(',');
        var values = new float[parts.Length];
        bool ok = parts.Length == 3;
        for (int i = 0; ok && i < parts.Length; i++) ok = float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]);
        if (ok && DataConfigRules.ChannelStats(values, positive) is null) return values;
        add(setting, $"'{text}' is not three {(positive ? "positive " : "")}numbers; {DataConfigRules.ChannelStatsExpected(positive)}.");
        return null;
    }

    // A card's mean or std, held to the same rule as --mean and --std.
    static float[]? CardStats(ModelCard? card, IReadOnlyList<float>? values, string field, bool positive, string? weightsPath, Action<Setting, string> add)
    {
        if (card is null || values is null) return null;
        if (DataConfigRules.ChannelStats(values, positive) is not { } problem) return values.ToArray();
        add(RunSettings.Weights, $"the card {ModelCard.PathFor(weightsPath ?? "")} says {field} [{string.Join(", ", values.Select(v => v.ToString(CultureInfo.InvariantCulture)))}]; " +
            $"{problem}, as --{field} takes.");
        return null;
    }
}
