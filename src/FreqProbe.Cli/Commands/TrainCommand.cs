using System.CommandLine;
using System.Globalization;
using FreqProbe.Core;
using FreqProbe.Core.Datasets;
using FreqProbe.Core.Models;
using FreqProbe.Core.Planning;
using FreqProbe.Core.Spectral;
using FreqProbe.Core.Training;

namespace FreqProbe.Cli.Commands;

/// <summary>`freqprobe train`: train a registry model, with a log row and a checkpoint per epoch.</summary>
internal static class TrainCommand
{
    public static Command Create(CommandContext context)
    {
        var model = new Option<string>("--model") { Description = $"Architecture: {string.Join(", ", ModelRegistry.Architectures)}.", Required = true };
        // The settings train shares with evaluating runs: one declaration each, in the settings table.
        var shared = new SettingOptions(new[] { RunSettings.Dataset, RunSettings.Data, RunSettings.Classes, RunSettings.Seed, RunSettings.Threads, RunSettings.Device, RunSettings.Quiet },
            new Dictionary<Setting, string>
            {
                [RunSettings.Dataset] = "cifar10, imagefolder, imagenet or synthetic (default). Trains on the train split, tests on the test split.",
                [RunSettings.Data] = "Dataset folder (not needed for synthetic).",
                [RunSettings.Classes] = "Class list for imagefolder.",
                [RunSettings.Seed] = "Seed for initialisation, order and augmentation (default 0).",
                [RunSettings.Threads] = "CPU threads (default: all cores). The same seed and thread count give the same weights.",
            });
        var testData = new Option<string?>("--test-data") { Description = "Test images for imagefolder/imagenet (folder datasets have no splits; default: --data)." };
        var trainSize = new Option<int>("--train-size") { Description = $"Synthetic train split size (default {SyntheticDataset.DefaultTrainCount}).", DefaultValueFactory = _ => 0 };
        var testSize = new Option<int>("--test-size") { Description = $"Synthetic test split size (default {SyntheticDataset.DefaultTestCount}).", DefaultValueFactory = _ => 0 };
        var epochs = new Option<int>("--epochs") { Description = "Epochs in all; --resume continues up to this number.", DefaultValueFactory = _ => 30 };
        var batch = new Option<int>("--batch-size") { Description = "Images per step.", DefaultValueFactory = _ => 128 };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate.", DefaultValueFactory = _ => 0.1 };
        var schedule = new Option<string>("--schedule") { Description = "onecycle (PyTorch OneCycleLR defaults) or cosine.", DefaultValueFactory = _ => "onecycle" };
        var momentum = new Option<double>("--momentum") { Description = "SGD momentum.", DefaultValueFactory = _ => 0.9 };
        var noNesterov = new Option<bool>("--no-nesterov") { Description = "Plain momentum instead of Nesterov." };
        var weightDecay = new Option<double>("--weight-decay") { Description = "L2 weight decay.", DefaultValueFactory = _ => 5e-4 };
        var crop = new Option<int>("--crop-padding") { Description = "Random crop from the image zero-padded by this many pixels (0: no crop).", DefaultValueFactory = _ => 4 };
        var noFlip = new Option<bool>("--no-flip") { Description = "No random horizontal flips." };
        var dcJitter = new Option<bool>("--dc-jitter")
        {
            Description = "Half the images lose a random fraction of each channel's mean, so zero-mean (high-passed) inputs are in the training distribution.",
        };
        var augment = new Option<string>("--augment")
        {
            Description = "none; gaussian:SIGMA (pixel noise in [0,1] space); fgsm:EPS (FGSM from a random start, step 1.25*EPS, e.g. fgsm:8/255); pgd:EPS,STEPS.",
            DefaultValueFactory = _ => "none",
        };
        var trainLimit = new Option<int?>("--train-limit") { Description = "Train on the first N training images only." };
        var testLimit = new Option<int?>("--test-limit") { Description = "Evaluate each epoch on the first N test images only." };
        var output = new Option<string>("--out") { Description = "Output folder: NAME.log.csv, checkpoint/, NAME.safetensors and NAME.card.json.", Required = true };
        var name = new Option<string?>("--name") { Description = "File stem of the outputs (default: MODEL-DATASET)." };
        var resume = new Option<bool>("--resume") { Description = "Continue from the last checkpoint in --out (an interrupted run loses at most one epoch)." };
        var probeRadii = new Option<string?>("--probe-radii")
        {
            Description = "After every epoch, top-1 on low- and high-passed training and test images at these radii (e.g. 4,8,12,16 or 4..16:4), " +
                "written to NAME.probe.csv with the unfiltered top-1: the frequency learning dynamics of Wang et al. (2020).",
        };
        var probeTrain = new Option<int>("--probe-train") { Description = "Training images probed: a fixed subset drawn with --seed (training labels).", DefaultValueFactory = _ => 5000 };
        var probeTest = new Option<int?>("--probe-test") { Description = "Probe the first N test images (default: the whole test split)." };
        var probeFPrinciple = new Option<bool>("--probe-fprinciple")
        {
            Description = "After every epoch, the F-principle errors e_low and e_high of Xu et al. (2019) on the probed training subset, for kernel widths " +
                $"{string.Join(", ", FPrinciple.WidthsOverMedian.Select(w => w.ToString(CultureInfo.InvariantCulture)))} of the subset's median pairwise distance (NAME.fprinciple.csv).",
        };
        var shuffleLabels = new Option<bool>("--shuffle-labels")
        {
            Description = "Train on randomly permuted labels (a fixed permutation drawn with --seed, recorded in the card); the test split keeps its true labels.",
        };
        schedule.AcceptOnlyFromAmong(LearningRateSchedule.Names.ToArray());

        var command = new Command("train",
            "Train a registry model: SGD with momentum 0.9 (Nesterov), weight decay 5e-4, a one-cycle or cosine schedule,\n" +
            "random crop (4-pixel padding) and horizontal flip, and an optional variant (--augment). The training images go\n" +
            "through the same data pipeline as evaluation. Each epoch appends to NAME.log.csv and writes a checkpoint; the\n" +
            "final weights are NAME.safetensors with a model card NAME.card.json that lowpass/highpass read, so\n" +
            "`--weights NAME.safetensors` needs no --model.\n\n" +
            "With --probe-radii, every epoch also records top-1 on low- and high-passed training and test images\n" +
            "(NAME.probe.csv), and --probe-fprinciple the F-principle errors (NAME.fprinciple.csv); `freqprobe plot` charts both.\n\n" +
            "Examples:\n  freqprobe train --model cifar-resnet20 --dataset cifar10 --data DIR --epochs 20 --augment gaussian:0.1 --out models/run\n" +
            "  freqprobe train --model cifar-resnet20 --dataset cifar10 --data DIR --epochs 10 --probe-radii 4,8,12,16 --probe-fprinciple --out runs/hfc");
        command.Options.Add(model);
        shared.AddTo(command);
        foreach (Option option in new Option[] { testData, trainSize, testSize, epochs, batch, lr, schedule, momentum, noNesterov,
                     weightDecay, crop, noFlip, dcJitter, augment, trainLimit, testLimit, output, name, resume, probeRadii, probeTrain, probeTest, probeFPrinciple, shuffleLabels })
        {
            command.Options.Add(option);
        }
        command.SetAction(parsed =>
        {
            var problems = new List<string>();
            GivenSettings given = shared.Bind(parsed);
            ulong seed = given.Seed(RunSettings.Seed) ?? 0UL;
            int threads = given.Count(RunSettings.Threads) ?? Environment.ProcessorCount;
            ModelSpec? spec = InputProblems.Collect<ModelSpec?>(problems, () => ModelRegistry.Get(parsed.GetValue(model)!), null);
            if (spec is { IsArchive: true })
            {
                problems.Add($"--model: {spec.Name} models are evaluated, not trained: train in PyTorch and export with scripts/export_model.py. " +
                    $"`freqprobe train` trains the architectures FreqProbe implements: {string.Join(", ", ModelRegistry.Architectures)}.");
                spec = null;
            }
            AugmentSpec? variant = InputProblems.Collect<AugmentSpec?>(problems, () => AugmentSpec.Parse(parsed.GetValue(augment)!), null);
            string datasetName = given.Text(RunSettings.Dataset) ?? "synthetic";
            bool? needsData = InputProblems.Collect<bool?>(problems, () => DatasetRegistry.NeedsData(datasetName), null);
            string? dataPath = given.Text(RunSettings.Data);
            if (needsData == true && dataPath is null) problems.Add($"--data: dataset '{datasetName}' needs --data DIR.");
            if (parsed.GetValue(epochs) < 1) problems.Add($"--epochs: {parsed.GetValue(epochs)} must be at least 1.");
            if (parsed.GetValue(batch) < 1) problems.Add($"--batch-size: {parsed.GetValue(batch)} must be at least 1.");
            if (parsed.GetValue(lr) is <= 0 or double.NaN) problems.Add($"--lr: {parsed.GetValue(lr)} must be positive.");
            if (threads < 1) problems.Add($"--threads: {threads} must be at least 1.");
            problems.AddRange(RunLimits.Check(threads, 32, 1, 0).Select(p => p.ForCommandLine()));
            if (parsed.GetValue(crop) < 0) problems.Add($"--crop-padding: {parsed.GetValue(crop)} must not be negative.");
            ProbeSpec? probe = Probe(parsed, problems, spec, probeRadii, probeTrain, probeTest, probeFPrinciple);
            if (problems.Count > 0 || spec is null || variant is null)
            {
                foreach (string problem in problems) context.Error.WriteLine($"freqprobe: error: {problem}");
                return ExitCodes.InputError;
            }
            bool quietMode = given.Flag(RunSettings.Quiet);
            var request = new TrainRequest
            {
                Model = spec,
                Preprocess = spec.Preprocess!,
                Mean = spec.Mean!,
                Std = spec.Std!,
                Dataset = new DatasetOptions(datasetName, dataPath, "train", given.Text(RunSettings.Classes), parsed.GetValue(trainSize), seed,
                    ShuffleLabelsSeed: parsed.GetValue(shuffleLabels) ? seed : null),
                Probe = probe,
                TestCount = parsed.GetValue(testSize),
                TestDataPath = parsed.GetValue(testData),
                Epochs = parsed.GetValue(epochs),
                BatchSize = parsed.GetValue(batch),
                MaxLearningRate = parsed.GetValue(lr),
                Schedule = parsed.GetValue(schedule)!,
                Momentum = parsed.GetValue(momentum),
                Nesterov = !parsed.GetValue(noNesterov),
                WeightDecay = parsed.GetValue(weightDecay),
                CropPadding = parsed.GetValue(crop),
                Flip = !parsed.GetValue(noFlip),
                DcJitter = parsed.GetValue(dcJitter),
                Augment = variant,
                Seed = seed,
                Threads = threads,
                Device = given.Text(RunSettings.Device) ?? RunSettings.Device.Default!,
                TrainLimit = parsed.GetValue(trainLimit),
                TestLimit = parsed.GetValue(testLimit),
                OutputDirectory = parsed.GetValue(output)!,
                Name = parsed.GetValue(name) ?? $"{spec.Name}-{datasetName}",
                Resume = parsed.GetValue(resume),
                CommandLine = context.CommandLine,
            };
            using var bar = new ProgressBar(context.Error, context.Interactive && !quietMode, context.ProgressLines(quietMode));
            using var cancel = new CtrlC();
            ModelCard card;
            try
            {
                card = Trainer.Run(request, (IProgress<TrainProgress>)bar, quietMode ? null : bar.LinesBelow(context.Error), cancel.Token);
            }
            catch (OperationCanceledException)
            {
                bar.Finish();
                context.Error.WriteLine($"freqprobe train: interrupted; the last completed epoch's checkpoint is kept in {request.OutputDirectory}; add --resume to continue.");
                return ExitCodes.Interrupted;
            }
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"trained {card.Name}: test top-1 {100 * card.FinalTestAccuracy:0.00}% after {card.Epochs} epochs ({card.TrainingSeconds:0} s); weights {Path.Combine(request.OutputDirectory, card.WeightsFile!)}"));
            return ExitCodes.Success;
        });
        return command;
    }

    // --probe-*: null without any of them; problems for values that cannot work.
    static ProbeSpec? Probe(ParseResult parsed, List<string> problems, ModelSpec? model, Option<string?> radii, Option<int> train, Option<int?> test, Option<bool> fprinciple)
    {
        string? radiiText = parsed.GetValue(radii);
        bool fp = parsed.GetValue(fprinciple);
        bool trainGiven = parsed.GetResult(train) is { Implicit: false }, testGiven = parsed.GetValue(test) is not null;
        if (radiiText is null && !fp)
        {
            if (trainGiven || testGiven) problems.Add($"{(trainGiven ? "--probe-train" : "--probe-test")}: sets the size of a probe; expected --probe-radii or --probe-fprinciple with it.");
            return null;
        }
        IReadOnlyList<double> list = radiiText is null ? Array.Empty<double>()
            : InputProblems.Collect<IReadOnlyList<double>>(problems, () => RadiusList.Parse(radiiText, "probe-radii"), Array.Empty<double>());
        int size = model?.Preprocess?.InputSize ?? int.MaxValue;
        foreach (double r in list)
        {
            if (r <= 0 || r > size) problems.Add(string.Create(CultureInfo.InvariantCulture, $"--probe-radii: {r} must be above 0 and at most the input size {size}."));
        }
        int n = parsed.GetValue(train);
        if (n < 1) problems.Add($"--probe-train: {n} must be at least 1.");
        if (fp && n is < 2 or > ProbeSpec.FPrincipleLimit)
        {
            problems.Add($"--probe-train: {n} images for --probe-fprinciple; expected 2 to {ProbeSpec.FPrincipleLimit} (its kernel is an n x n float64 matrix).");
        }
        if (parsed.GetValue(test) is < 1) problems.Add($"--probe-test: {parsed.GetValue(test)} must be at least 1.");
        return new ProbeSpec { Radii = list, TrainCount = n, TestCount = parsed.GetValue(test), FPrinciple = fp };
    }
}
