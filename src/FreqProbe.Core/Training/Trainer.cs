using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FreqProbe.Core.Datasets;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.IO;
using FreqProbe.Core.Models;
using FreqProbe.Core.Native;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace FreqProbe.Core.Training;

/// <summary>
/// Trains a registry model with SGD (momentum, optional Nesterov, weight decay) under a one-cycle or cosine schedule,
/// random crop and flip, and an optional variant (Gaussian noise, FGSM or PGD adversarial training). Each epoch
/// appends a log row and writes a checkpoint, so <see cref="TrainRequest.Resume"/> loses at most one epoch. Shuffling,
/// augmentation and noise are functions of (seed, epoch, step), so a resumed run equals an uninterrupted one and
/// the same seed and thread count give the same weights.
/// </summary>
public static class Trainer
{
    const string CheckpointFolder = "checkpoint";

    // Native failures retried per run before giving up (each retry redoes one epoch from its checkpoint).
    const int MaxEpochRetries = 5;

    /// <summary>Test hook: called before each training step with (request, epoch, step); it may throw to simulate a native failure.</summary>
    internal static Action<TrainRequest, int, int>? BeforeStep { get; set; }

    /// <summary>Runs the training; returns the model card written beside the final weights.</summary>
    public static ModelCard Run(TrainRequest request, IProgress<TrainProgress>? progress = null, TextWriter? log = null, CancellationToken cancellation = default)
    {
        torch.set_num_threads(request.Threads);
        Device device = TorchBackend.SelectDevice(request.Device);
        Directory.CreateDirectory(request.OutputDirectory);
        using IImageDataset train = DatasetRegistry.Open(request.TrainDataset);
        using IImageDataset test = DatasetRegistry.Open(request.TestDataset);
        if (train.Split.Length == 0 && request.TestDataPath is null)
        {
            log?.WriteLine($"freqprobe train: warning: '{train.Name}' has no splits and no --test-data was given; test accuracy is measured on the training folder.");
        }
        int classes = request.NumClasses ?? train.ClassNames.Count;
        int trainCount = Math.Min(request.TrainLimit ?? train.Count, train.Count);
        int testCount = Math.Min(request.TestLimit ?? test.Count, test.Count);
        int stepsPerEpoch = (trainCount + request.BatchSize - 1) / request.BatchSize;
        long totalSteps = (long)stepsPerEpoch * request.Epochs;

        torch.manual_seed(unchecked((long)request.Seed));
        using nn.Module<Tensor, Tensor> model = request.Model.Create(classes);
        model.to(device);
        using var optimizer = new SGD(model.parameters(), request.MaxLearningRate, request.Momentum, request.WeightDecay, request.Nesterov);
        using Tensor mean = tensor(request.Mean.ToArray(), new long[] { 1, 3, 1, 1 }).to(device);
        using Tensor std = tensor(request.Std.ToArray(), new long[] { 1, 3, 1, 1 }).to(device);
        using var scalars = new PerturbScalars(request.Augment);

        using FrequencyProbe? probe = request.Probe is { } spec
            ? new FrequencyProbe(request, spec, train, trainCount, Math.Min(spec.TestCount ?? test.Count, test.Count), classes)
            : null;
        if (probe is not null && request.Probe!.FPrinciple)
        {
            log?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"freqprobe train: F-principle subset of {probe.TrainIndices.Length} training images, median pairwise distance {probe.MedianDistance:0.###}; kernel widths {string.Join(", ", FPrinciple.WidthsOverMedian)} of it"));
        }
        string checkpoint = Path.Combine(request.OutputDirectory, CheckpointFolder);
        string dataFingerprint = Fingerprint(train, trainCount);
        var settings = TrainSettings.Of(request, classes, dataFingerprint).ToArray();
        string execution = $"{request.Threads} threads on {TorchBackend.Describe(device)}";
        var state = new TrainState { Settings = settings, Execution = execution };
        if (request.Resume && File.Exists(Path.Combine(checkpoint, "state.json")))
        {
            state = ReadState(checkpoint);
            CheckResumable(checkpoint, state, settings, execution, log);
            LoadEpochFiles(checkpoint, state.Epoch, model, optimizer);
            state = state with { Settings = settings, Execution = execution };
            log?.WriteLine($"freqprobe train: resuming after epoch {state.Epoch} of {request.Epochs}");
        }
        else if (!request.Resume && File.Exists(Path.Combine(checkpoint, "state.json")))
        {
            throw new InputException("out", $"'{request.OutputDirectory}' already holds a checkpoint; use --resume to continue it or choose another folder.");
        }

        int retries = 0;
        for (int epoch = state.Epoch + 1; epoch <= request.Epochs; epoch++)
        {
            cancellation.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            double loss, accuracy, lr;
            try
            {
                (loss, accuracy, lr) = TrainEpoch(request, scalars, model, optimizer, train, trainCount, epoch, stepsPerEpoch, totalSteps,
                    mean, std, device, progress, clock, cancellation);
            }
            catch (ExternalException e) when (retries < MaxEpochRetries && File.Exists(Path.Combine(checkpoint, "state.json")) && !LibTorchErrors.IsOutOfMemory(e))
            {
                // A native error mid-epoch (TorchSharp 0.107 can free a temporary Scalar that libtorch is still reading):
                // go back to the last checkpoint and train the epoch again. Every random choice depends only on
                // (seed, epoch, step), so the retried epoch gives the same weights as an uninterrupted one.
                retries++;
                log?.WriteLine($"freqprobe train: warning: epoch {epoch} failed in libtorch ({e.Message.Split('\n')[0]}); retrying it from the checkpoint after epoch {epoch - 1} ({retries} of {MaxEpochRetries}).");
                state = LoadCheckpoint(checkpoint, model, optimizer);
                epoch = state.Epoch;
                continue;
            }
            double testAccuracy = Evaluate(model, test, testCount, request, mean, std, device);
            var record = new EpochRecord(epoch, lr, loss, accuracy, testAccuracy, clock.Elapsed.TotalSeconds);
            state = state with { Epoch = epoch, Records = state.Records.Append(record).ToArray(), Seconds = state.Seconds + record.Seconds };
            string epochFiles = SaveEpochFiles(checkpoint, epoch, model, optimizer);
            string probeNote = "";
            if (probe is not null)
            {
                // The probes score this epoch's checkpoint before state.json names it: a run killed while probing redoes
                // the epoch and its probes, so the probe files never miss or repeat an epoch.
                var probeClock = Stopwatch.StartNew();
                string epochWeights = Path.Combine(epochFiles, "model.dat");
                IReadOnlyList<ProbeRow> rows = probe.Accuracy(epoch, epochWeights);
                IReadOnlyList<FPrincipleRow> errors = probe.FPrincipleErrors(epoch, epochWeights);
                state = state with { Probes = state.Probes.Concat(rows).ToArray(), FPrinciple = state.FPrinciple.Concat(errors).ToArray() };
                probeNote = string.Create(CultureInfo.InvariantCulture, $"  probes {probeClock.Elapsed.TotalSeconds:0.0} s");
            }
            CommitCheckpoint(checkpoint, state);
            WriteLog(Path.Combine(request.OutputDirectory, request.Name + ".log.csv"), state.Records);
            if (request.Probe is { } probed)
            {
                if (probed.Radii.Count > 0) ProbeFiles.WriteAccuracy(Path.Combine(request.OutputDirectory, request.Name + ".probe.csv"), state.Probes);
                if (probed.FPrinciple) ProbeFiles.WriteFPrinciple(Path.Combine(request.OutputDirectory, request.Name + ".fprinciple.csv"), state.FPrinciple);
            }
            log?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {epoch}/{request.Epochs}  lr {lr:0.#####}  train loss {loss:0.####}  train acc {100 * accuracy:0.00}%  test acc {100 * testAccuracy:0.00}%  {record.Seconds:0.0} s{probeNote}"));
        }

        string weights = Path.Combine(request.OutputDirectory, request.Name + ".safetensors");
        string temp = AtomicFile.TempPathFor(weights);
        model.cpu();
        model.save_safetensors(temp);
        File.Move(temp, weights, overwrite: true);
        var card = new ModelCard
        {
            Name = request.Name,
            Model = request.Model.Name,
            NumClasses = classes,
            InputSize = request.Preprocess.InputSize,
            ResizeShorter = request.Preprocess.ResizeShorter,
            Mean = request.Mean,
            Std = request.Std,
            ClassNames = train.ClassNames,
            Dataset = train.Name,
            DataPath = train.Source,
            DataFingerprint = dataFingerprint,
            TrainImages = trainCount,
            TestImages = testCount,
            Epochs = request.Epochs,
            Augment = request.Augment.ToString(),
            Labels = (train as RelabeledDataset)?.Description,
            Recipe = string.Create(CultureInfo.InvariantCulture,
                $"SGD momentum {request.Momentum}{(request.Nesterov ? " Nesterov" : "")}, weight decay {request.WeightDecay}, {request.Schedule} max lr {request.MaxLearningRate}, batch {request.BatchSize}, crop padding {request.CropPadding}, flip {(request.Flip ? "on" : "off")}{(request.DcJitter ? ", DC jitter (half the images lose a random fraction of their channel means)" : "")}"),
            Seed = request.Seed,
            Threads = request.Threads,
            Device = TorchBackend.Describe(device),
            Machine = $"{Environment.MachineName}, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
            TrainingSeconds = Math.Round(state.Seconds, 1),
            FinalTestAccuracy = state.Records.Length > 0 ? state.Records[^1].TestAccuracy : null,
            WeightsFile = Path.GetFileName(weights),
            WeightsSha256 = WeightsFile.Sha256(weights),
            Command = request.CommandLine,
            Versions = TorchBackend.Versions(),
            CreatedUtc = DateTimeOffset.UtcNow,
        };
        AtomicFile.Write(ModelCard.PathFor(weights), s => s.Write(Encoding.UTF8.GetBytes(card.ToJson())));
        return card;
    }

    static (double Loss, double Accuracy, double LearningRate) TrainEpoch(TrainRequest request, PerturbScalars scalars, nn.Module<Tensor, Tensor> model, SGD optimizer,
        IImageDataset train, int trainCount, int epoch, int stepsPerEpoch, long totalSteps, Tensor mean, Tensor std, Device device,
        IProgress<TrainProgress>? progress, Stopwatch clock, CancellationToken cancellation)
    {
        model.train();
        var order = new ShuffledDataset(train, trainCount, request.Seed, epoch);
        var stream = new BatchStream(order, trainCount, request.BatchSize, request.Preprocess, request.Threads, BadImagePolicy.Fail);
        double lossSum = 0, lr = 0;
        long correct = 0, seen = 0;
        int step = 0;
        foreach (ImageBatch batch in stream.Read(cancellation))
        {
            long globalStep = (long)(epoch - 1) * stepsPerEpoch + step;
            lr = LearningRateSchedule.At(request.Schedule, globalStep, totalSteps, request.MaxLearningRate);
            foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
            // Noise and attack starts depend only on (seed, epoch, step): a resumed run draws the same numbers.
            BeforeStep?.Invoke(request, epoch, step);
            torch.manual_seed(unchecked((long)(request.Seed * 1_000_003UL + (ulong)globalStep)));
            using (var scope = NewDisposeScope())
            {
                float[] pixels = CropAndFlip(batch, request, epoch);
                if (request.DcJitter) JitterDc(pixels, batch, request, epoch);
                Tensor x = HostToDevice.Copy(tensor(pixels, new long[] { batch.Count, 3, batch.Size, batch.Size }), device);
                Tensor y = tensor(batch.Labels.Select(l => (long)l).ToArray()).to(device);
                Tensor input = Perturb(request.Augment, scalars, model, optimizer, x, y, mean, std);
                optimizer.zero_grad();
                Tensor logits = model.forward((input - mean) / std);
                Tensor loss = nn.functional.cross_entropy(logits, y);
                loss.backward();
                optimizer.step();
                lossSum += loss.item<float>() * batch.Count;
                correct += logits.argmax(1).eq(y).sum().item<long>();
                seen += batch.Count;
            }
            step++;
            progress?.Report(new TrainProgress(epoch, request.Epochs, (int)seen, trainCount, clock.Elapsed, lossSum / seen));
        }
        return (lossSum / Math.Max(1, seen), (double)correct / Math.Max(1, seen), lr);
    }

    // The training input in [0,1] space, before normalisation. Every number that meets a tensor here is a Scalar
    // owned by the run (PerturbScalars): a temporary from an implicit double-to-Scalar conversion is unreachable
    // while libtorch still reads it, and a finalizer that frees it mid-call surfaced as "Unknown scalar type".
    internal static Tensor Perturb(AugmentSpec augment, PerturbScalars scalars, nn.Module<Tensor, Tensor> model, SGD optimizer, Tensor x, Tensor y, Tensor mean, Tensor std)
    {
        switch (augment.Kind)
        {
            case AugmentKind.Gaussian:
                return x.add(torch.randn_like(x).mul_(scalars.Sigma), PinnedScalars.One).clamp_(PinnedScalars.Zero, PinnedScalars.One);
            case AugmentKind.Fgsm:
            case AugmentKind.Pgd:
                return Attack(model, optimizer, x, y, mean, std, scalars, augment.Kind == AugmentKind.Fgsm ? 1 : augment.Steps);
            default:
                return x;
        }
    }

    // FGSM from a uniform random start (Wong et al. 2020) when steps = 1; PGD with a random start otherwise.
    static Tensor Attack(nn.Module<Tensor, Tensor> model, SGD optimizer, Tensor x, Tensor y, Tensor mean, Tensor std, PerturbScalars scalars, int steps)
    {
        // Uniform in [-epsilon, epsilon]: rand in [0,1), times 2 epsilon, minus epsilon.
        Tensor delta = torch.rand_like(x).mul_(scalars.TwoEpsilon).sub_(scalars.Epsilon);
        for (int s = 0; s < steps; s++)
        {
            delta = delta.detach().requires_grad_(true);
            Tensor adversarial = x.add(delta, PinnedScalars.One).clamp_(PinnedScalars.Zero, PinnedScalars.One);
            Tensor loss = nn.functional.cross_entropy(model.forward(adversarial.sub(mean).div_(std)), y);
            optimizer.zero_grad();
            loss.backward();
            using (no_grad())
            {
                delta = delta.add(delta.grad!.sign().mul_(scalars.Alpha), PinnedScalars.One).clamp_(scalars.NegativeEpsilon, scalars.Epsilon);
            }
        }
        optimizer.zero_grad();
        return x.add(delta.detach(), PinnedScalars.One).clamp_(PinnedScalars.Zero, PinnedScalars.One);
    }

    // Random crop from the image zero-padded by CropPadding on each side, then a random horizontal flip; each image's
    // choice is a function of (seed, epoch, dataset index).
    static float[] CropAndFlip(ImageBatch batch, TrainRequest request, int epoch)
    {
        int size = batch.Size, pad = request.CropPadding, plane = size * size;
        var output = new float[batch.Count * 3 * plane];
        ulong key = request.Seed * 7919UL + (ulong)epoch;
        for (int i = 0; i < batch.Count; i++)
        {
            long index = batch.Indices[i];
            int dy = pad > 0 ? CounterRandom.Integer(key, index, 1, -pad, pad) : 0;
            int dx = pad > 0 ? CounterRandom.Integer(key, index, 2, -pad, pad) : 0;
            bool flip = request.Flip && CounterRandom.Uniform(key, index, 3) < 0.5;
            for (int c = 0; c < 3; c++)
            {
                int source = (i * 3 + c) * plane, target = source;
                for (int y = 0; y < size; y++)
                {
                    int sy = y + dy;
                    if (sy < 0 || sy >= size) continue;
                    for (int x = 0; x < size; x++)
                    {
                        int sx = (flip ? size - 1 - x : x) + dx;
                        if (sx >= 0 && sx < size) output[target + y * size + x] = batch.Pixels[source + sy * size + sx];
                    }
                }
            }
        }
        return output;
    }

    static void JitterDc(float[] pixels, ImageBatch batch, TrainRequest request, int epoch)
    {
        int plane = batch.Size * batch.Size;
        ulong key = request.Seed * 6151UL + (ulong)epoch;
        for (int i = 0; i < batch.Count; i++)
        {
            if (CounterRandom.Uniform(key, batch.Indices[i], 1) >= 0.5) continue;
            double fraction = CounterRandom.Uniform(key, batch.Indices[i], 2);
            for (int c = 0; c < 3; c++)
            {
                Span<float> channel = pixels.AsSpan((i * 3 + c) * plane, plane);
                double mean = 0;
                foreach (float v in channel) mean += v;
                float shift = (float)(fraction * mean / plane);
                for (int p = 0; p < plane; p++) channel[p] -= shift;
            }
        }
    }

    /// <summary>Clean top-1 of <paramref name="model"/> on the first <paramref name="count"/> images of <paramref name="test"/>.</summary>
    static double Evaluate(nn.Module<Tensor, Tensor> model, IImageDataset test, int count, TrainRequest request, Tensor mean, Tensor std, Device device)
    {
        model.eval();
        long correct = 0;
        var stream = new BatchStream(test, count, 256, request.Preprocess, request.Threads, BadImagePolicy.Fail);
        using (no_grad())
        {
            foreach (ImageBatch batch in stream.Read())
            {
                using var scope = NewDisposeScope();
                Tensor x = HostToDevice.Images(batch, device);
                long[] predicted = model.forward((x - mean) / std).argmax(1).cpu().data<long>().ToArray();
                for (int i = 0; i < batch.Count; i++) if (predicted[i] == batch.Labels[i]) correct++;
            }
        }
        return (double)correct / Math.Max(1, count);
    }

    /// <summary>SHA-256 over the count, every label and the pixels of up to 256 evenly spaced images.</summary>
    public static string Fingerprint(IImageDataset data, int count)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(BitConverter.GetBytes(count));
        for (int i = 0; i < count; i++) hash.AppendData(BitConverter.GetBytes(data.LabelAt(i)));
        int stride = Math.Max(1, count / 256);
        for (int i = 0; i < count; i += stride) hash.AppendData(data.Decode(i).Pixels);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    // A checkpoint resumes only the run that wrote it: the same settings (TrainSettings), so the log, the probe files
    // and the card describe one run. Checkpoints from before the settings were recorded resume with a warning.
    static void CheckResumable(string checkpoint, TrainState state, KeyValuePair<string, string>[] settings, string execution, TextWriter? log)
    {
        string statePath = Path.Combine(checkpoint, "state.json");
        if (state.Settings is null)
        {
            log?.WriteLine($"freqprobe train: warning: {statePath} predates recorded settings; it is resumed without checking that this run's options match the ones it was trained with.");
            return;
        }
        IReadOnlyList<string> changed = TrainSettings.Differences(state.Settings, settings);
        if (changed.Count > 0)
        {
            throw new InputException("resume", $"{statePath} was trained with other settings than this run; resume with the checkpoint's settings, or train into another --out.\n  " +
                string.Join("\n  ", changed));
        }
        if (state.Execution is { } before && before != execution)
        {
            log?.WriteLine($"freqprobe train: warning: epochs 1-{state.Epoch} ran with {before}, this run uses {execution}; the weights will differ in rounding from an uninterrupted run.");
        }
    }

    sealed record TrainState
    {
        public int Epoch { get; init; }
        public KeyValuePair<string, string>[]? Settings { get; init; }
        public string? Execution { get; init; }
        public double Seconds { get; init; }
        public EpochRecord[] Records { get; init; } = Array.Empty<EpochRecord>();
        public ProbeRow[] Probes { get; init; } = Array.Empty<ProbeRow>();
        public FPrincipleRow[] FPrinciple { get; init; } = Array.Empty<FPrincipleRow>();
    }

    // Each epoch's model and optimizer go to their own folder; state.json, written atomically last, names the
    // epoch to resume from. A kill at any point leaves a consistent (model, optimizer, state) triple.
    static string SaveEpochFiles(string folder, int epoch, nn.Module model, SGD optimizer)
    {
        string epochFolder = Path.Combine(folder, EpochFolder(epoch));
        if (Directory.Exists(epochFolder)) Directory.Delete(epochFolder, recursive: true);
        Directory.CreateDirectory(epochFolder);
        model.save(Path.Combine(epochFolder, "model.dat"));
        optimizer.save_state_dict(Path.Combine(epochFolder, "optimizer.dat"));
        return epochFolder;
    }

    static void CommitCheckpoint(string folder, TrainState state)
    {
        AtomicFile.Write(Path.Combine(folder, "state.json"), s => s.Write(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(state, StateJson))));
        foreach (string old in Directory.GetDirectories(folder, "epoch-*"))
        {
            if (Path.GetFileName(old) != EpochFolder(state.Epoch)) Directory.Delete(old, recursive: true);
        }
    }

    // Probe rows hold NaN radii (the unfiltered row), which JSON has no literal for.
    static readonly JsonSerializerOptions StateJson = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    static string EpochFolder(int epoch) => string.Create(CultureInfo.InvariantCulture, $"epoch-{epoch:D4}");

    static TrainState LoadCheckpoint(string folder, nn.Module model, SGD optimizer)
    {
        TrainState state = ReadState(folder);
        LoadEpochFiles(folder, state.Epoch, model, optimizer);
        return state;
    }

    static TrainState ReadState(string folder)
    {
        string statePath = Path.Combine(folder, "state.json");
        TrainState? state;
        try
        {
            state = JsonSerializer.Deserialize<TrainState>(File.ReadAllText(statePath), StateJson);
        }
        catch (JsonException e)
        {
            throw new InputException("resume", $"{statePath}: not a FreqProbe training checkpoint ({e.Message}); delete the folder's checkpoint/ to train from scratch.");
        }
        if (state is null || state.Epoch < 1 || state.Records is null || state.Records.Length != state.Epoch || state.Probes is null || state.FPrinciple is null)
        {
            throw new InputException("resume", $"{statePath}: expected a completed epoch (1 or more) with one log record per epoch; delete the folder's checkpoint/ to train from scratch.");
        }
        return state;
    }

    static void LoadEpochFiles(string folder, int epoch, nn.Module model, SGD optimizer)
    {
        string epochFolder = Path.Combine(folder, EpochFolder(epoch));
        StateDictBinder.LoadFile(model, Path.Combine(epochFolder, "model.dat"));
        optimizer.load_state_dict(Path.Combine(epochFolder, "optimizer.dat"));
    }

    static void WriteLog(string path, IEnumerable<EpochRecord> records)
    {
        var text = new StringBuilder("epoch,lr,train_loss,train_accuracy,test_accuracy,seconds\n");
        foreach (EpochRecord r in records)
        {
            text.Append(string.Create(CultureInfo.InvariantCulture,
                $"{r.Epoch},{r.LearningRate:0.########},{r.TrainLoss:0.######},{r.TrainAccuracy:0.######},{r.TestAccuracy:0.######},{r.Seconds:0.##}\n"));
        }
        AtomicFile.Write(path, s => s.Write(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
