using System.Diagnostics;
using System.Globalization;
using FreqProbe.Core.Datasets;
using FreqProbe.Core.Models;
using FreqProbe.Core.Native;
using FreqProbe.Core.Spectral;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Evaluation;

/// <summary>
/// Runs a sweep: every image is decoded once and transformed once; the baseline and every filter setting are
/// evaluated from that one spectrum, several settings per forward batch. Results are exact counts accumulated in
/// dataset order, so they do not depend on batch size.
/// </summary>
public static class SweepRunner
{
    /// <summary>The filter convention recorded in every result file.</summary>
    public const string FilterConvention =
        "HFC (Wang et al. 2020): filter the [0,1] model-input image per channel before normalisation; centred DFT with DC at (H/2, W/2); " +
        "u, v in cycles per image; low-pass keeps d < r, high-pass d >= r, band-pass r1 <= d < r2; inverse DFT, real part; no clipping unless --clip";

    /// <summary>
    /// Runs <paramref name="request"/>, writing per-image predictions to <paramref name="predictions"/> and progress to
    /// <paramref name="progress"/>; <paramref name="notice"/> hears about adjustments made on the way, such as a smaller
    /// forward batch after the device ran out of memory. Bad input raises <see cref="InputException"/> or
    /// <see cref="BadImageException"/>; <paramref name="cancellation"/> stops it after saving a checkpoint.
    /// </summary>
    public static SweepSummary Run(RunRequest request, IPredictionSink? predictions = null, IProgress<SweepProgress>? progress = null,
        Action<string>? notice = null, CancellationToken cancellation = default)
    {
        DateTimeOffset started = DateTimeOffset.UtcNow;
        if (request.Resume && request.CheckpointPath is null) throw new InputException("resume", "needs --out, beside which the checkpoint is kept.");
        using EvaluationSession session = EvaluationSession.Open(request, SessionParts.All, notice, settingsPerPass: request.Filters.Count + 1);
        Device device = session.Device;
        IImageDataset dataset = session.Dataset;
        int classes = session.Classes;
        int size = request.Preprocess.InputSize;
        var warnings = new List<string>(FilterWarnings(request.Filters, size));
        warnings.AddRange(session.Warnings);

        var filters = request.Filters;
        using var bank = new SpectralFilterBank(filters, size, size, device);
        var tallies = new FilterTally[filters.Count + 1];
        tallies[0] = new FilterTally(FrequencyFilter.Clean, 1.0, classes >= 5, dataset.ClassNames.Count);
        for (int f = 0; f < filters.Count; f++) tallies[f + 1] = new FilterTally(filters[f], bank.CoefficientsKept[f], classes >= 5, dataset.ClassNames.Count);
        var skipped = new List<SkippedImage>();
        string fingerprint = request.CheckpointPath is null ? "" : SweepCheckpoint.FingerprintOf(session);
        // What the data is matters only to a checkpoint, so it is worked out (hashing CIFAR batches takes a moment) only
        // when one is saved or resumed; a run shorter than the checkpoint interval never pays for it.
        string? dataStamp = null;
        string DataStamp() => dataStamp ??= dataset.ContentStamp();
        IReadOnlyList<int> indices = session.Indices;
        int done = 0;
        if (request.Resume && request.CheckpointPath is { } resumeFrom && SweepCheckpoint.Load(resumeFrom) is { } checkpoint)
        {
            if (!checkpoint.Matches(session, fingerprint))
            {
                throw new InputException("resume", $"{resumeFrom} belongs to a different run; delete it or run without --resume.\n  checkpoint: {checkpoint.Fingerprint}\n  this run:   {fingerprint}");
            }
            if (checkpoint.Inconsistency(indices.Count, tallies.Length, dataset.ClassNames.Count) is { } why) throw SweepCheckpoint.Corrupt(resumeFrom, why);
            if (checkpoint.DataStamp is { } stamp && stamp != DataStamp())
            {
                throw new InputException("resume", $"the data in {dataset.Source} changed since {resumeFrom} was saved (its files' content, names, sizes or times differ: " +
                    $"{stamp} then, {DataStamp()} now); resuming would mix two datasets. Restore the data, or run without --resume to start afresh.");
            }
            if (predictions is not null && checkpoint is { PredictionBytes: null, Done: > 0 })
            {
                throw new InputException("resume", $"the checkpoint {resumeFrom} was saved by a run without --predictions, so the predictions of its " +
                    $"{checkpoint.Done} finished images do not exist; resume without --predictions, or run without --resume to start afresh.");
            }
            for (int t = 0; t < tallies.Length; t++)
            {
                SweepCheckpoint.SavedTally saved = checkpoint.Tallies[t];
                tallies[t].Restore(new FilterResult(FrequencyFilter.Clean, saved.N, saved.Correct, saved.Top5Correct, saved.Agreeing, saved.EnergyKeptSum, 0)
                {
                    ClassTotals = saved.ClassTotals,
                    ClassCorrect = saved.ClassCorrect,
                });
            }
            skipped.AddRange(checkpoint.Skipped);
            done = checkpoint.Done;
            started = checkpoint.StartedUtc;
            warnings.Add($"resumed after {done} of {indices.Count} images from {resumeFrom}");
        }
        var stream = new BatchStream(dataset, indices.Skip(done).ToArray(), request.BatchSize, request.Preprocess, request.Threads, request.OnBadImage);
        var forward = new AdaptiveForward(message =>
        {
            if (!warnings.Contains(message)) warnings.Add(message);
            notice?.Invoke(message);
        });
        var clock = Stopwatch.StartNew();
        var sinceCheckpoint = Stopwatch.StartNew();
        void SaveCheckpoint()
        {
            if (request.CheckpointPath is null) return;
            new SweepCheckpoint
            {
                Done = done,
                Fingerprint = fingerprint,
                Format = SweepCheckpoint.CurrentFormat,
                DataStamp = DataStamp(),
                Verification = session.Plan?.VerificationKey,
                Tallies = tallies.Select(t => t.ToResult()).Select(r => new SweepCheckpoint.SavedTally(
                    r.N, r.Correct, r.Top5Correct, r.Agreeing, r.EnergyKeptSum, r.ClassTotals.ToArray(), r.ClassCorrect.ToArray())).ToArray(),
                Skipped = skipped.ToArray(),
                PredictionBytes = predictions?.Flush(),
                StartedUtc = started,
            }.Save(request.CheckpointPath);
            sinceCheckpoint.Restart();
        }
        using (no_grad())
        {
            try
            {
                foreach (ImageBatch batch in stream.Read(cancellation))
                {
                    skipped.AddRange(batch.Skipped);
                    if (batch.Count > 0)
                    {
                        EvaluateBatch(batch, session, forward, bank, request.Clip, tallies, predictions);
                    }
                    done += batch.Count + batch.Skipped.Count;
                    progress?.Report(new SweepProgress(done, indices.Count, clock.Elapsed));
                    if (sinceCheckpoint.Elapsed.TotalSeconds >= request.CheckpointSeconds) SaveCheckpoint();
                    cancellation.ThrowIfCancellationRequested();
                }
            }
            catch (OperationCanceledException)
            {
                SaveCheckpoint(); // Ctrl-C: everything finished so far is kept for --resume
                throw;
            }
        }
        if (skipped.Count > 0) warnings.Add($"{skipped.Count} image(s) could not be decoded and were skipped");
        session.RequireEvaluated(skipped);

        RunMetadata metadata = session.Metadata(FilterConvention, request.Clip, indices.Count - skipped.Count, skipped.Count, started) with { PerClass = request.PerClass };
        return new SweepSummary(metadata, tallies.Select(t => t.ToResult()).ToArray(), skipped, warnings);
    }

    static void EvaluateBatch(ImageBatch batch, EvaluationSession session, AdaptiveForward forward, SpectralFilterBank bank,
        bool clip, FilterTally[] tallies, IPredictionSink? predictions)
    {
        using var scope = NewDisposeScope();
        Device device = session.Device;
        int classes = session.Classes;
        int b = batch.Count, size = batch.Size, slots = tallies.Length;
        Tensor x = HostToDevice.Images(batch, device);
        Tensor spectrum = bank.Transform(x);
        double[] energy = bank.EnergyKept(spectrum).cpu().data<double>().ToArray(); // [B, F]
        int filterCount = slots - 1;
        int slotsPerForward = ForwardBatching.SettingsPerForward(b, size, device);
        var predicted = new int[slots, b];
        var probability = new float[slots, b];
        var inTop5 = new bool[slots, b];

        // Slot 0 is the unfiltered image itself (not a round trip through the FFT); slot s > 0 is filter s − 1.
        for (int first = 0; first < slots; first += slotsPerForward)
        {
            int last = Math.Min(slots, first + slotsPerForward);
            var parts = new List<Tensor>();
            if (first == 0) parts.Add(x);
            int firstFilter = Math.Max(first, 1) - 1;
            int count = last - 1 - firstFilter;
            if (count > 0)
            {
                Tensor filtered = bank.Filter(spectrum, firstFilter, count);
                parts.Add(clip ? filtered.clamp(PinnedScalars.Zero, PinnedScalars.One) : filtered);
            }
            Tensor input = parts.Count == 1 ? parts[0] : cat(parts, 0);
            int pass = first;
            Tensor logits = forward.Logits(session.Forward, session.Normalise(input), classes,
                row => $"image {batch.Indices[(int)(row % b)]} under {tallies[pass + (int)(row / b)].Filter}");
            // Only the arg-max and its probability leave the device, not the whole [rows, classes] matrix.
            (Tensor maxProbs, Tensor argMax) = nn.functional.softmax(logits, 1).max(1);
            long[] pred = argMax.cpu().data<long>().ToArray();
            float[] predProbs = maxProbs.cpu().data<float>().ToArray();
            long[] top5 = classes >= 5 ? logits.topk(5, 1).indexes.cpu().data<long>().ToArray() : Array.Empty<long>();
            for (int s = first; s < last; s++)
            {
                for (int i = 0; i < b; i++)
                {
                    int row = (s - first) * b + i;
                    int p = (int)pred[row];
                    predicted[s, i] = p;
                    probability[s, i] = predProbs[row];
                    if (top5.Length > 0)
                    {
                        for (int k = 0; k < 5; k++) inTop5[s, i] |= top5[row * 5 + k] == batch.Labels[i];
                    }
                }
            }
        }

        for (int i = 0; i < b; i++)
        {
            for (int s = 0; s < slots; s++)
            {
                bool correct = predicted[s, i] == batch.Labels[i];
                double kept = s == 0 ? 1.0 : energy[i * filterCount + s - 1];
                tallies[s].Add(batch.Labels[i], correct, inTop5[s, i], predicted[s, i] == predicted[0, i], kept);
                predictions?.Add(batch.Indices[i], batch.Labels[i], s == 0 ? FrequencyFilter.Clean : bank.Filters[s - 1], predicted[s, i], probability[s, i]);
            }
        }
    }

    /// <summary>Warnings for settings that keep every coefficient or none at <paramref name="size"/>×<paramref name="size"/>.</summary>
    public static IEnumerable<string> FilterWarnings(IReadOnlyList<FrequencyFilter> filters, int size)
    {
        double farthest = Math.Sqrt(2.0 * (size / 2) * (size / 2));
        foreach (FrequencyFilter filter in filters)
        {
            double kept = CentredMask.Build(filter, size, size).CoefficientsKept;
            if (kept >= 1.0)
            {
                yield return string.Create(CultureInfo.InvariantCulture,
                    $"{filter} keeps every coefficient at {size}x{size} (the farthest frequency is at d = {farthest:0.##}); it equals the unfiltered baseline");
            }
            else if (kept <= 0.0)
            {
                yield return $"{filter} keeps no coefficient at {size}x{size}; the model sees an all-zero image";
            }
        }
    }
}
