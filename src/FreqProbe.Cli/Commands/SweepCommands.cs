using System.CommandLine;
using System.Globalization;
using FreqProbe.Core;
using FreqProbe.Core.Assets;
using FreqProbe.Core.Datasets;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Models;
using FreqProbe.Core.Results;
using FreqProbe.Core.Spectral;

namespace FreqProbe.Cli.Commands;

/// <summary>One of lowpass, highpass and bandpass: the command, its options, and how it turns them into filters.</summary>
internal sealed record FilterCommand(Command Command, SweepOptions Options, Func<ParseResult, List<string>, IReadOnlyList<FrequencyFilter>> Filters);

/// <summary>A sweep resolved and checked, ready to run.</summary>
internal sealed record PreparedSweep(SweepRequest Request, string? OutPath, string? PredictionsPath, bool Quiet, bool BuiltInDefault);

/// <summary>`freqprobe lowpass`, `highpass` and `bandpass`: one sweep over filter settings, as a table and files.</summary>
internal static class SweepCommands
{
    const string Convention =
        "Convention (HFC, Wang et al. 2020): each RGB channel of the [0,1] model-input image (after resize/crop, before\n" +
        "mean/std) is transformed with a centred 2-D DFT (DC at row H/2, column W/2). u, v and radii are in cycles per\n" +
        "image at the model-input resolution; d = sqrt(u^2+v^2) (--shape square: max(|u|,|v|)). Low-pass keeps d < r,\n" +
        "high-pass keeps d >= r (the exact complement), band-pass keeps r1 <= d < r2. The inverse DFT's real part is fed\n" +
        "to the model as is (no clipping unless --clip). The unfiltered baseline is always the first row (filter none).\n" +
        "On 32x32 a low-pass at r >= 23 keeps everything; a high-pass at r = 0 is the identity.\n\n" +
        "Radii: 4..32 (inclusive, step 1), 4..32:4 (step 4), 2,4,8, or mixtures like 1,2,4..32:4.";

    public static IEnumerable<Command> Create(CommandContext context) => CreateAll(context).Select(f => f.Command);

    /// <summary>lowpass, highpass and bandpass, each with its options and how it turns them into filters.</summary>
    public static IReadOnlyList<FilterCommand> CreateAll(CommandContext context) => new[]
    {
        Radial(context, "lowpass", "Accuracy on low-passed images (keep d < r) for each radius.", FilterKind.LowPass),
        Radial(context, "highpass", "Accuracy on high-passed images (keep d >= r) for each radius.", FilterKind.HighPass),
        Bands(context),
    };

    static FilterCommand Radial(CommandContext context, string name, string summary, FilterKind kind)
    {
        var options = new SweepOptions();
        var radii = new Option<string?>("--radii") { Description = "Radii in cycles per image, e.g. 4..28:4 or 2,4,8 (default: 2..16:2 for inputs up to 64 pixels, 4..32:4 above)." };
        var command = new Command(name, $"{summary}\n\n{Convention}\n\nExamples:\n  freqprobe {name}                      (built-in default: shipped synthetic model, synthetic test split)\n  freqprobe {name} --model cifar-resnet20 --weights m.safetensors --dataset cifar10 --data DIR --radii 4..28:4 --out r.csv --predictions p.csv");
        foreach (Option option in options.All) command.Options.Add(option);
        command.Options.Add(radii);
        var filter = new FilterCommand(command, options, (parsed, problems) =>
        {
            IReadOnlyList<double> list = InputProblems.Collect(problems, () => RadiusList.Parse(parsed.GetValue(radii) ?? DefaultRadii(parsed, options)), Array.Empty<double>());
            (MaskShape shape, MaskProfile profile) = ShapeAndProfile(parsed, options);
            return list.Select(r => kind == FilterKind.LowPass ? FrequencyFilter.LowPass(r, shape, profile) : FrequencyFilter.HighPass(r, shape, profile)).ToArray();
        });
        command.SetAction(parsed => Execute(context, parsed, filter));
        return filter;
    }

    static FilterCommand Bands(CommandContext context)
    {
        var options = new SweepOptions();
        var bands = new Option<string>("--bands") { Description = "Bands r1-r2 in cycles per image (keep r1 <= d < r2), e.g. 0-4,4-8,8-16.", Required = true };
        var command = new Command("bandpass", $"Accuracy on band-passed images (keep r1 <= d < r2) for each band.\n\n{Convention}\n\nExample:\n  freqprobe bandpass --model cifar-resnet20 --dataset cifar10 --data DIR --bands 0-4,4-8,8-16");
        foreach (Option option in options.All) command.Options.Add(option);
        command.Options.Add(bands);
        var filter = new FilterCommand(command, options, (parsed, problems) =>
        {
            var list = InputProblems.Collect(problems, () => RadiusList.ParseBands(parsed.GetValue(bands)!), Array.Empty<(double, double)>());
            (MaskShape shape, MaskProfile profile) = ShapeAndProfile(parsed, options);
            return list.Select(b => FrequencyFilter.BandPass(b.Inner, b.Outer, shape, profile)).ToArray();
        });
        command.SetAction(parsed => Execute(context, parsed, filter));
        return filter;
    }

    // The default radius list suits the model-input size: 2..16:2 on 32x32, 4..32:4 on 224x224.
    static string DefaultRadii(ParseResult parsed, SweepOptions o)
    {
        int? size = parsed.GetValue(o.InputSize);
        if (size is null && parsed.GetValue(o.Model) is { } name && ModelRegistry.Names.Contains(name)) size = ModelRegistry.Get(name).Preprocess.InputSize;
        return size is > 64 ? "4..32:4" : "2..16:2";
    }

    static (MaskShape, MaskProfile) ShapeAndProfile(ParseResult parsed, SweepOptions o) =>
        (parsed.GetValue(o.Shape) == "square" ? MaskShape.Square : MaskShape.Circle,
         parsed.GetValue(o.Profile) == "gaussian" ? MaskProfile.Gaussian : MaskProfile.Ideal);

    static int Execute(CommandContext context, ParseResult parsed, FilterCommand filter)
    {
        var problems = new List<string>();
        PreparedSweep? prepared = Prepare(parsed, filter, context.CommandLine, problems);
        if (prepared is null)
        {
            foreach (string problem in problems) context.Error.WriteLine($"freqprobe: error: {problem}");
            return ExitCodes.InputError;
        }
        return Run(context, prepared);
    }

    /// <summary>
    /// Resolves and checks everything a sweep needs before any work starts; every problem goes to
    /// <paramref name="problems"/> (each starting with the option it concerns) and the result is then null.
    /// </summary>
    public static PreparedSweep? Prepare(ParseResult parsed, FilterCommand filter, string commandLine, List<string> problems)
    {
        SweepOptions o = filter.Options;
        SweepRequest? request = BuildRequest(parsed, o, p => filter.Filters(parsed, p), problems, commandLine);
        string? outPath = parsed.GetValue(o.Out);
        string? predictionsPath = parsed.GetValue(o.Predictions);
        if (outPath is not null)
        {
            InputProblems.Collect(problems, () => ResultWriterRegistry.ForPath(outPath), null);
            if (AtomicFile.CheckWritable(outPath) is { } why) problems.Add($"--out: cannot write '{outPath}': {why}.");
        }
        if (predictionsPath is not null)
        {
            if (!predictionsPath.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) problems.Add($"--predictions: '{predictionsPath}' must end in .csv.");
            if (AtomicFile.CheckWritable(predictionsPath) is { } why) problems.Add($"--predictions: cannot write '{predictionsPath}': {why}.");
        }
        if (problems.Count > 0 || request is null) return null;
        return new PreparedSweep(request, outPath, predictionsPath, parsed.GetValue(o.Quiet), BuiltInDefault: parsed.GetValue(o.Dataset) is null);
    }

    /// <summary>Runs a prepared sweep: progress, results files, table and summary line.</summary>
    public static int Run(CommandContext context, PreparedSweep prepared)
    {
        (SweepRequest request, string? outPath, string? predictionsPath, bool quiet, bool builtInDefault) = prepared;
        foreach (string warning in SweepRunner.FilterWarnings(request.Filters, request.Preprocess.InputSize))
        {
            context.Error.WriteLine($"freqprobe: warning: {warning}");
        }
        if (request.WeightsName == BuiltInModels.Default && builtInDefault)
        {
            context.Error.WriteLine($"freqprobe: no --dataset, --data or --weights: running the built-in default ({BuiltInModels.Default} on the synthetic test split).");
        }
        if (request.WeightsPath is null)
        {
            context.Error.WriteLine($"freqprobe: WARNING: no --weights given: {request.Model.Name} runs on RANDOM weights (seed {request.Seed}). " +
                "The numbers are a smoke test, not a measurement; the results file records random_weights = true.");
        }

        using var cancel = new CtrlC();
        long? resumeBytes = request.Resume && request.CheckpointPath is { } saved ? SweepCheckpoint.Load(saved)?.PredictionBytes : null;
        using PredictionCsvWriter? predictions = predictionsPath is null ? null : new PredictionCsvWriter(predictionsPath, resumeBytes);
        using var bar = new ProgressBar(context.Error, enabled: context.Interactive && !quiet);
        SweepSummary summary = SweepRunner.Run(request, predictions, (IProgress<SweepProgress>)bar,
            message => context.Error.WriteLine($"\nfreqprobe: warning: {message}"), cancel.Token);
        bar.Finish();
        if (outPath is not null) AtomicFile.Write(outPath, stream => ResultWriterRegistry.ForPath(outPath).Write(summary, stream));
        predictions?.Commit();
        if (request.CheckpointPath is not null) AtomicFile.TryDelete(request.CheckpointPath);
        if (!quiet) TextTableWriter.Write(summary, context.Out);
        foreach (SkippedImage skipped in summary.Skipped) context.Error.WriteLine($"freqprobe: skipped {skipped.Item}: {skipped.Reason}");
        if (!quiet)
        {
            RunMetadata m = summary.Metadata;
            double seconds = (m.FinishedUtc - m.StartedUtc).TotalSeconds;
            context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"freqprobe: {m.Evaluated} images x {summary.Rows.Count} settings in {seconds:0.0} s ({m.Evaluated / Math.Max(seconds, 1e-9):0.0} images/s) on {m.Device}" +
                $"{(outPath is null ? "" : $"; results in {outPath}")}{(predictionsPath is null ? "" : $"; predictions in {predictionsPath}")}"));
        }
        return ExitCodes.Success;
    }

    // Settings precedence: command line > model card beside the weights > the model's own defaults, decided here once.
    static SweepRequest? BuildRequest(ParseResult parsed, SweepOptions o, Func<List<string>, IReadOnlyList<FrequencyFilter>> filters, List<string> problems, string commandLine,
        bool needsFilters = true)
    {
        IReadOnlyList<FrequencyFilter> filterList = filters(problems);
        string? weightsName = parsed.GetValue(o.Weights);
        string? datasetName = parsed.GetValue(o.Dataset);
        string? data = parsed.GetValue(o.Data);
        if (weightsName is null && datasetName is null && data is null)
        {
            // The built-in default: the shipped synthetic model on the synthetic test split, offline.
            weightsName = BuiltInModels.Default;
            datasetName = "synthetic";
        }
        (string? weights, ModelCard? card) = ResolveWeights(weightsName, parsed.GetValue(o.Model), problems);
        if (datasetName is null && card?.Dataset is { } cardDataset && (data is not null || !DatasetRegistry.NeedsData(cardDataset)))
        {
            datasetName = cardDataset;
        }
        if (datasetName is null) problems.Add($"--dataset: required; expected one of {string.Join(", ", DatasetRegistry.Names)}.");

        string? modelName = parsed.GetValue(o.Model) ?? card?.Model;
        ModelSpec? model = null;
        if (modelName is null)
        {
            problems.Add($"--model: required (no model card beside --weights to take it from); expected one of: {string.Join(", ", ModelRegistry.Names)}.");
        }
        else
        {
            model = InputProblems.Collect(problems, () => ModelRegistry.Get(modelName), null);
        }
        bool? needsData = datasetName is null ? null : InputProblems.Collect<bool?>(problems, () => DatasetRegistry.NeedsData(datasetName), null);
        if (needsData == true && data is null && datasetName == "cifar10")
        {
            data = AssetCache.Default.Cifar10Folder();
            if (data is null) problems.Add($"--data: not given, and CIFAR-10 is not in the cache ({AssetCache.DefaultRoot}); run `freqprobe fetch cifar10` or pass --data DIR.");
        }
        else if (needsData == true && data is null)
        {
            problems.Add($"--data: dataset '{datasetName}' needs --data DIR.");
        }
        if (data is not null && !Directory.Exists(data)) problems.Add($"--data: '{data}' is not a directory.");
        string? classes = parsed.GetValue(o.Classes);
        if (classes is not null && !File.Exists(classes)) problems.Add($"--classes: '{classes}' not found.");
        ShardSpec? shard = parsed.GetValue(o.Shard) is { } shardText ? InputProblems.Collect<ShardSpec?>(problems, () => ShardSpec.Parse(shardText), null) : null;
        int? limit = parsed.GetValue(o.Limit);
        if (limit is < 1) problems.Add($"--limit: {limit} is not a positive number of images.");
        int? batch = parsed.GetValue(o.BatchSize);
        if (batch is < 1) problems.Add($"--batch-size: {batch} must be at least 1.");
        int threads = parsed.GetValue(o.Threads);
        if (threads < 1) problems.Add($"--threads: {threads} must be at least 1.");
        int? numClasses = parsed.GetValue(o.NumClasses) ?? card?.NumClasses;
        if (numClasses is < 1) problems.Add($"--num-classes: {numClasses} must be at least 1.");
        if (parsed.GetValue(o.CheckpointEvery) is <= 0 or double.NaN) problems.Add("--checkpoint-every: must be a positive number of seconds.");
        int? inputSize = parsed.GetValue(o.InputSize);
        if (inputSize is < 8) problems.Add($"--input-size: {inputSize} is too small; expected at least 8 pixels.");
        float[]? mean = ParseTriple(parsed.GetValue(o.Mean), "--mean", problems, positive: false);
        float[]? std = ParseTriple(parsed.GetValue(o.Std), "--std", problems, positive: true);
        if (model is null || datasetName is null || (needsFilters && filterList.Count == 0) || problems.Count > 0) return null;

        PreprocessPolicy preprocess = model.Preprocess;
        bool resizes = (card is null ? model.Preprocess.ResizeShorter : card.ResizeShorter) is not null;
        if ((inputSize ?? card?.InputSize) is { } size)
        {
            preprocess = resizes ? PreprocessPolicy.ResizeAndCentreCrop(size) : PreprocessPolicy.Native(size);
        }
        return new SweepRequest
        {
            Model = model,
            WeightsPath = weights,
            WeightsName = weightsName,
            NumClasses = numClasses,
            Preprocess = preprocess,
            Mean = mean ?? card?.Mean ?? model.Mean,
            Std = std ?? card?.Std ?? model.Std,
            Dataset = new DatasetOptions(datasetName, data, parsed.GetValue(o.Split)!, classes, Seed: parsed.GetValue(o.Seed)),
            Filters = filterList,
            Clip = parsed.GetValue(o.Clip),
            BatchSize = batch ?? (preprocess.InputSize <= 64 ? 64 : 16),
            Threads = threads,
            Device = parsed.GetValue(o.Device)!,
            Precision = parsed.GetValue(o.Precision) ?? "fp32",
            Layout = parsed.GetValue(o.Layout) ?? "nhwc",
            Limit = limit,
            Shard = shard,
            Seed = parsed.GetValue(o.Seed),
            OnBadImage = parsed.GetValue(o.OnBadImage) == "skip" ? BadImagePolicy.Skip : BadImagePolicy.Fail,
            PerClass = parsed.GetValue(o.PerClass),
            CheckpointPath = parsed.GetValue(o.Out) is { } outFile ? SweepCheckpoint.PathFor(outFile) : null,
            Resume = parsed.GetValue(o.Resume),
            CheckpointSeconds = parsed.GetValue(o.CheckpointEvery),
            CommandLine = commandLine,
        };
    }

    /// <summary>
    /// The model, weights, data and execution settings of a command that evaluates without filters (heatmap), resolved
    /// as for the sweeps; problems are collected and the request is then null.
    /// </summary>
    public static SweepRequest? BuildEvaluation(ParseResult parsed, SweepOptions o, List<string> problems, string commandLine) =>
        BuildRequest(parsed, o, _ => Array.Empty<FrequencyFilter>(), problems, commandLine, needsFilters: false);

    /// <summary>
    /// The weights file for --weights (a path, builtin:NAME, or torchvision[-v2] with --model) and the model card beside
    /// it, if any; problems are collected. Null weights for null --weights.
    /// </summary>
    public static (string? Path, ModelCard? Card) ResolveWeights(string? weightsName, string? architecture, List<string> problems)
    {
        if (weightsName is "torchvision" or "torchvision-v2")
        {
            if (architecture is null)
            {
                problems.Add($"--weights {weightsName}: needs --model, e.g. --model resnet50.");
                return (null, null);
            }
            return (InputProblems.Collect(problems, () => AssetCache.Default.TorchvisionWeights(weightsName, architecture), null), null);
        }
        if (weightsName is null) return (null, null);
        string? weights = InputProblems.Collect(problems, () => BuiltInModels.Resolve(weightsName), null);
        if (weights is null) return (null, null);
        if (!File.Exists(weights))
        {
            problems.Add($"--weights: '{weights}' not found.");
            return (null, null);
        }
        return (weights, InputProblems.Collect(problems, () => ModelCard.TryLoadFor(weights), null));
    }

    static float[]? ParseTriple(string? text, string option, List<string> problems, bool positive)
    {
        if (text is null) return null;
        string[] parts = text.Split(',');
        var values = new float[parts.Length];
        bool ok = parts.Length == 3;
        for (int i = 0; ok && i < parts.Length; i++)
        {
            ok = float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) && float.IsFinite(values[i]) && (!positive || values[i] > 0);
        }
        if (!ok)
        {
            problems.Add($"{option}: '{text}' is not three {(positive ? "positive " : "")}numbers; expected 'r,g,b' in [0,1] units, e.g. 0.485,0.456,0.406.");
            return null;
        }
        return values;
    }
}
