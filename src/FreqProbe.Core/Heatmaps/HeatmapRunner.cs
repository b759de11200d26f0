using System.Diagnostics;
using FreqProbe.Core.Datasets;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Models;
using FreqProbe.Core.Native;
using FreqProbe.Core.Spectral;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Heatmaps;

/// <summary>A Fourier heat map to compute: the evaluation settings (its filters are ignored) and the perturbation.</summary>
/// <param name="Evaluation">Model, weights, data, limit, shard, batch size, threads, device and seed.</param>
/// <param name="Epsilon">L2 norm of the perturbation ε·U(u, v) per channel, in [0,1] pixel units.</param>
/// <param name="MaxFrequency">Only |u|, |v| ≤ this; null for the whole grid.</param>
/// <param name="Clip">Clamp perturbed images to [0, 1] (on by default, as in the reference implementations).</param>
public sealed record HeatmapRequest(RunRequest Evaluation, double Epsilon, int? MaxFrequency, bool Clip = true)
{
    /// <summary>The default ε for an input side: 4 at 32×32 and below, 15.7 at 224×224 (and above 64).</summary>
    public static double DefaultEpsilon(int inputSize) => inputSize > 64 ? 15.7 : 4.0;
}

/// <summary>A computed heat map: per (u, v) the number of images misclassified under ε·U(u, v), and the clean count.</summary>
/// <param name="Size">Grid side N; u and v run from −N/2 to N/2 − 1.</param>
/// <param name="MaxFrequency">The grid limit used (N/2 when none was given).</param>
/// <param name="Errors">[v + N/2, u + N/2] misclassified images; −1 outside the computed range.</param>
/// <param name="Evaluated">Images evaluated.</param>
/// <param name="CleanErrors">Misclassified unperturbed images.</param>
/// <param name="Metadata">Provenance, as for sweeps (Filters: none).</param>
/// <param name="Seconds">Wall time of the evaluation.</param>
/// <param name="Bases">Distinct basis images evaluated (a half-plane).</param>
public sealed record HeatmapResult(int Size, int MaxFrequency, long[,] Errors, long Evaluated, long CleanErrors, RunMetadata Metadata, double Seconds, int Bases)
{
    /// <summary>L2 norm of the perturbation per channel, in [0,1] pixel units.</summary>
    public double Epsilon { get; init; }

    /// <summary>Top-1 error under the perturbation at (u, v), or NaN outside the computed range.</summary>
    public double ErrorRate(int u, int v)
    {
        long e = Errors[v + Size / 2, u + Size / 2];
        return e < 0 || Evaluated == 0 ? double.NaN : (double)e / Evaluated;
    }
}

/// <summary>
/// Computes Fourier heat maps (Yin et al. 2019): for each frequency (u, v) of a half-plane, every image gets
/// ε·U(u, v) added to each channel with a random sign per (image, channel, frequency), drawn from the seed and the
/// image's dataset index so that batching and threads do not change it; the perturbed image is clamped to [0, 1]
/// (unless Clip is off), normalised and classified. Many (image, basis) pairs share one forward batch, and the data is
/// read once. The mirror half is filled from the symmetry U(u, v) = U(−u, −v).
/// </summary>
public static class HeatmapRunner
{
    /// <summary>The perturbation, as recorded in every result.</summary>
    public const string Convention =
        "Fourier heat map (Yin et al. 2019): x + s·eps·U(u,v) per channel in [0,1] space, s = ±1 per (image, channel, frequency), " +
        "U(u,v)[y,x] = cos(2π(u·x + v·y)/N) with unit L2 norm, clamped to [0,1] unless --no-clip, then normalised";

    /// <summary>
    /// Runs <paramref name="request"/>, reporting progress in (image, basis) pairs. <paramref name="resumeFrom"/>, the
    /// partial map of an interrupted run of the same request, holds the counts of the images it read, which come first
    /// in dataset order and are not read again; <paramref name="snapshot"/> gets the partial map before the first batch
    /// and after each.
    /// </summary>
    public static HeatmapResult Run(HeatmapRequest request, IProgress<SweepProgress>? progress = null, Action<string>? notice = null,
        HeatmapResult? resumeFrom = null, Action<Func<HeatmapResult>>? snapshot = null, CancellationToken cancellation = default)
    {
        RunRequest e = request.Evaluation;
        DateTimeOffset started = resumeFrom?.Metadata.StartedUtc ?? DateTimeOffset.UtcNow;
        using EvaluationSession session = EvaluationSession.Open(e);
        Device device = session.Device;
        IImageDataset dataset = session.Dataset;
        int size = e.Preprocess.InputSize;
        int limit = request.MaxFrequency ?? size / 2;
        if (limit < 0) throw new InputException("max-freq", $"{limit} must be 0 or more.");
        IReadOnlyList<(int U, int V)> bases = FourierBasis.HalfPlane(size, limit);
        Func<Tensor, Tensor> run = session.Forward;
        IReadOnlyList<int> indices = session.Indices;
        using Tensor basisImages = tensor(bases.SelectMany(b => FourierBasis.Image(b.U, b.V, size)).ToArray(), new long[] { bases.Count, 1, 1, size, size }).to(device);
        using Scalar epsilon = request.Epsilon.ToScalar();
        var errors = new long[bases.Count];
        long cleanErrors = 0, evaluated = 0;
        int earlierSkipped = 0;
        double earlierSeconds = 0;
        if (resumeFrom is not null)
        {
            if (resumeFrom.Size != size || resumeFrom.MaxFrequency != limit)
            {
                throw new InputException("resume", $"the partial heat map is {resumeFrom.Size}x{resumeFrom.Size} up to {resumeFrom.MaxFrequency}, this run {size}x{size} up to {limit}.");
            }
            for (int k = 0; k < bases.Count; k++) errors[k] = resumeFrom.Errors[bases[k].V + size / 2, bases[k].U + size / 2];
            (cleanErrors, evaluated, earlierSkipped, earlierSeconds) = (resumeFrom.CleanErrors, resumeFrom.Evaluated, resumeFrom.Metadata.Skipped, resumeFrom.Seconds);
        }
        // The images read before an interruption are the first of the run's own, evaluated or skipped.
        int read = (int)evaluated + earlierSkipped;
        var forward = new AdaptiveForward(notice);
        var clock = Stopwatch.StartNew();
        var stream = new BatchStream(dataset, indices.Skip(read).ToArray(), e.BatchSize, e.Preprocess, e.Threads, e.OnBadImage);
        var skipped = new List<SkippedImage>();
        long total = (long)indices.Count * bases.Count, done = (long)read * bases.Count;
        HeatmapResult Result()
        {
            var grid = new long[size, size];
            for (int i = 0; i < size; i++) for (int j = 0; j < size; j++) grid[i, j] = -1;
            for (int k = 0; k < bases.Count; k++)
            {
                (int u, int v) = bases[k];
                (int mu, int mv) = FourierBasis.Mirror(u, v, size);
                grid[v + size / 2, u + size / 2] = errors[k];
                grid[mv + size / 2, mu + size / 2] = errors[k];
            }
            RunMetadata metadata = session.Metadata(Convention, request.Clip, (int)evaluated, earlierSkipped + skipped.Count, started) with
            {
                Parameters = HeatmapAnalysis.Recorded(request.Epsilon, limit),
            };
            return new HeatmapResult(size, limit, grid, evaluated, cleanErrors, metadata, earlierSeconds + clock.Elapsed.TotalSeconds, bases.Count) { Epsilon = request.Epsilon };
        }
        snapshot?.Invoke(Result);
        using (no_grad())
        {
            foreach (ImageBatch batch in stream.Read(cancellation))
            {
                // A batch counts only when it is finished, so that a snapshot never holds part of one.
                if (batch.Count == 0)
                {
                    skipped.AddRange(batch.Skipped);
                    continue;
                }
                using var scope = NewDisposeScope();
                int b = batch.Count;
                Tensor x = HostToDevice.Images(batch, device);
                Tensor labels = tensor(batch.Labels.Take(b).Select(v => (long)v).ToArray()).to(device);
                long batchClean = forward.Logits(run, session.Normalise(x), session.Classes, row => $"image {batch.Indices[(int)row]} (unperturbed)")
                    .argmax(1).ne(labels).sum().item<long>();
                var batchErrors = new long[bases.Count];
                int basesPerForward = ForwardBatching.SettingsPerForward(b, size, device);
                for (int first = 0; first < bases.Count; first += basesPerForward)
                {
                    cancellation.ThrowIfCancellationRequested();
                    int count = Math.Min(basesPerForward, bases.Count - first);
                    using var inner = NewDisposeScope();
                    Tensor signs = tensor(Signs(e.Seed, batch.Indices, b, first, count), new long[] { count, b, 3, 1, 1 }).to(device);
                    Tensor perturbation = basisImages.narrow(0, first, count).mul(signs).mul_(epsilon);             // [K, B, 3, N, N]
                    Tensor perturbed = x.unsqueeze(0).add(perturbation, PinnedScalars.One).reshape(count * b, 3, size, size);
                    if (request.Clip) perturbed = perturbed.clamp(PinnedScalars.Zero, PinnedScalars.One);
                    int firstBasis = first;
                    Tensor wrong = forward.Logits(run, session.Normalise(perturbed), session.Classes,
                            row => $"image {batch.Indices[(int)(row % b)]} plus Fourier basis {bases[firstBasis + (int)(row / b)]}").argmax(1).ne(labels.repeat(count)).reshape(count, b).sum(1);
                    long[] counts = wrong.cpu().data<long>().ToArray();
                    for (int k = 0; k < count; k++) batchErrors[first + k] = counts[k];
                    done += (long)count * b;
                    progress?.Report(new SweepProgress((int)Math.Min(int.MaxValue, done), (int)Math.Min(int.MaxValue, total), clock.Elapsed));
                }
                for (int k = 0; k < bases.Count; k++) errors[k] += batchErrors[k];
                cleanErrors += batchClean;
                skipped.AddRange(batch.Skipped);
                evaluated += b;
                snapshot?.Invoke(Result);
            }
        }

        if (evaluated == 0) session.RequireEvaluated(skipped);
        return Result();
    }

    // ±1 per (basis, image, channel): a function of the seed, the image's dataset index and the frequency's position in
    // the half-plane only, so that batch size, threads and sharding cannot change it.
    internal static float[] Signs(ulong seed, IReadOnlyList<int> indices, int b, int first, int count)
    {
        var signs = new float[count * b * 3];
        for (int k = 0; k < count; k++)
        {
            for (int i = 0; i < b; i++)
            {
                for (int c = 0; c < 3; c++)
                {
                    ulong stream = (ulong)(first + k) * 3UL + (ulong)c;
                    signs[(k * b + i) * 3 + c] = CounterRandom.Uniform(seed ^ 0x5EEDF00DUL, indices[i], stream) < 0.5 ? -1f : 1f;
                }
            }
        }
        return signs;
    }
}
