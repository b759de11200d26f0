using System.CommandLine;
using System.Globalization;
using FreqProbe.Core.Datasets;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.IO;
using FreqProbe.Core.Models;
using FreqProbe.Core.Planning;
using FreqProbe.Core.Results;

namespace FreqProbe.Cli.Commands;

/// <summary>One of lowpass, highpass and bandpass: the command, its options from the settings table, and its filter family.</summary>
internal sealed record FilterCommand(Command Command, SettingOptions Options, RunKind Kind);

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
        "Radii: 4..32 (inclusive, step 1), 4..32:4 (step 4), 2,4,8, or mixtures like 1,2,4..32:4.\n\n" +
        "What runs: --model NAME alone means that model's standard weights and its own data (resnet18-152: torchvision\n" +
        "IMAGENET1K_V1 on ImageNet at 224x224, weights downloaded into the cache on first use, images from --data or\n" +
        "$FREQPROBE_HOME/datasets/imagenet/val). A model card beside --weights supplies the model, data and preprocessing.\n" +
        "Only when none of --model, --weights, --dataset and --data is given does the built-in default run: the shipped\n" +
        "synthetic model on the synthetic test split, offline. Precedence: command line > model card > the model's own\n" +
        "defaults > built-ins.";

    public static IEnumerable<Command> Create(CommandContext context) => CreateAll(context).Select(f => f.Command);

    /// <summary>lowpass, highpass and bandpass, each with its options.</summary>
    public static IReadOnlyList<FilterCommand> CreateAll(CommandContext context) => new[]
    {
        Make(context, "lowpass", "Accuracy on low-passed images (keep d < r) for each radius.", RunKind.LowPass),
        Make(context, "highpass", "Accuracy on high-passed images (keep d >= r) for each radius.", RunKind.HighPass),
        Make(context, "bandpass", "Accuracy on band-passed images (keep r1 <= d < r2) for each band.", RunKind.BandPass),
    };

    static FilterCommand Make(CommandContext context, string name, string summary, RunKind kind)
    {
        SettingOptions options = SettingOptions.AllExcept(kind == RunKind.BandPass ? RunSettings.Radii : RunSettings.Bands);
        if (kind == RunKind.BandPass) ((Option<string>)options[RunSettings.Bands]).Required = true;
        string examples = kind == RunKind.BandPass
            ? "Examples:\n  freqprobe bandpass --model resnet50 --bands 0-4,4-8,8-16,16-32\n" +
              "  freqprobe bandpass --model cifar-resnet20 --weights m.pth --dataset cifar10 --data DIR --bands 0-4,4-8,8-16"
            : $"Examples:\n  freqprobe {name}                                   (built-in default: shipped synthetic model, synthetic test split)\n" +
              $"  freqprobe {name} --model resnet50 --radii 4..32      (torchvision ResNet-50 on ImageNet)\n" +
              $"  freqprobe {name} --weights models/cifar-resnet20-natural/cifar-resnet20-natural.safetensors --data DIR --out r.csv --predictions p.csv\n" +
              $"  freqprobe {name} --weights vit.pt --data DIR     (a TorchScript archive; its data config from vit.card.json beside it,\n" +
              "                                                    written by scripts/export_model.py)";
        var command = new Command(name, $"{summary}\n\n{Convention}\n\n{examples}\n\n{ExitCodes.Help}");
        options.AddTo(command);
        var filter = new FilterCommand(command, options, kind);
        command.SetAction(parsed =>
        {
            Resolution resolution = RunResolver.Resolve(options.Bind(parsed), kind, context.Resolver);
            if (!resolution.Ok)
            {
                foreach (Problem problem in resolution.Problems) context.Error.WriteLine($"freqprobe: error: {problem.ForCommandLine()}");
                return ExitCodes.InputError;
            }
            return Run(context, resolution);
        });
        return filter;
    }

    /// <summary>Runs a resolved sweep: downloads, warnings, progress, results files, table and summary line.</summary>
    public static int Run(CommandContext context, Resolution resolution) => Run(context, resolution, out _);

    /// <summary>Runs a resolved sweep as <see cref="Run(CommandContext, Resolution)"/> does, handing back its results (null unless it succeeded).</summary>
    public static int Run(CommandContext context, Resolution resolution, out SweepSummary? result)
    {
        result = null;
        RunRequest request = resolution.Request!;
        (string? outPath, string? predictionsPath, bool quiet) = (resolution.OutPath, resolution.PredictionsPath, resolution.Quiet);
        // One run at a time per results file: a second run that wants it refuses, naming the first.
        using OutputLock? outLock = outPath is null ? null : OutputLock.Acquire(outPath, "out", context.CommandLine);
        using OutputLock? predictionsLock = predictionsPath is null ? null : OutputLock.Acquire(predictionsPath, "predictions", context.CommandLine);
        if (resolution.Download is { } download) WeightsDownloads.Ensure(context, download, quiet);
        foreach (string warning in SweepRunner.FilterWarnings(request.Filters, request.Preprocess.InputSize))
        {
            context.Error.WriteLine($"freqprobe: warning: {warning}");
        }
        if (resolution.BuiltInDefault)
        {
            context.Error.WriteLine($"freqprobe: none of --model, --weights, --dataset and --data given: running the built-in default ({BuiltInModels.Default} on the synthetic test split).");
        }
        if (request.WeightsPath is null)
        {
            context.Error.WriteLine($"freqprobe: WARNING: {EvaluationSession.RandomWeightsWarning(request.Model.Name, request.Seed)} " +
                "(the results file records random_weights = true).");
        }

        using var cancel = new CtrlC(context.Error, request.ForwardTimeoutSeconds, () => CtrlC.Kept(request.CheckpointPath, savedNow: false), message => context.Notice(message, quiet));
        SweepCheckpoint? checkpoint = request.Resume && request.CheckpointPath is { } saved ? SweepCheckpoint.Load(saved) : null;
        long? resumeBytes = predictionsPath is null ? null : checkpoint?.PredictionBytes;
        using PredictionCsvWriter? predictions = predictionsPath is null ? null : new PredictionCsvWriter(predictionsPath, resumeBytes);
        using var bar = new ProgressBar(context.Error, enabled: context.ShowsProgress && !quiet, context.ProgressLines(quiet));
        SweepSummary summary;
        try
        {
            summary = SweepRunner.Run(request, predictions, (IProgress<SweepProgress>)bar,
                message => context.Notice(message, quiet), cancel.Token);
        }
        catch (OperationCanceledException)
        {
            bar.Finish();
            context.Error.WriteLine($"freqprobe: interrupted ({CtrlC.SignalName}); no result files were replaced; {CtrlC.Kept(request.CheckpointPath, savedNow: true)}.");
            return CtrlC.ExitCode;
        }
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
        result = summary;
        return ExitCodes.Success;
    }
}
