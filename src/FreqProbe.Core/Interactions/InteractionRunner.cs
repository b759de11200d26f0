using System.Diagnostics;
using System.Globalization;
using FreqProbe.Core.Datasets;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Interactions;

/// <summary>
/// Computes multi-order interactions (Deng et al., ICLR 2022) of a classifier, with image patches or spectral bands as
/// players. It selects the first N correctly classified images (after --limit, in dataset order; a shard then takes
/// every N-th of them, so shards merge into exactly the whole run), and for each image evaluates every sampled coalition
/// through the model: the coalitions' masks are the presence matrix times the players' partition, so many (pair,
/// context) samples share one forward pass of --batch-size masked inputs.
/// </summary>
public static class InteractionRunner
{
    /// <summary>The definitions, as recorded in every result with the players and the value.</summary>
    public static string Convention(PlayerSet players, InteractionValue value) =>
        "multi-order interactions (Deng et al. 2022): dv(i,j,S) = v(S+ij) - v(S+i) - v(S+j) + v(S); I^(m)(i,j) = mean of dv over sampled contexts S, |S| = m, " +
        "S in N minus {i,j}; J^(m) = E_x E_(i,j) |I^(m)(i,j)| / its mean over the sampled orders; m = int((n-2)*rho). " +
        $"Players: {players.Description}. v(S) = {InteractionValues.Describe(value)}";

    /// <summary>
    /// Runs <paramref name="request"/>, reporting progress in masked inputs evaluated. <paramref name="resumeFrom"/>, the
    /// partial result of an interrupted run of the same request, skips the images it explained; <paramref name="snapshot"/>
    /// gets the partial result so far before the first image and after each.
    /// </summary>
    public static InteractionResult Run(InteractionRequest request, IProgress<SweepProgress>? progress = null, Action<string>? notice = null,
        InteractionResult? resumeFrom = null, Action<Func<InteractionResult>>? snapshot = null, CancellationToken cancellation = default)
    {
        RunRequest e = request.Evaluation;
        DateTimeOffset started = resumeFrom?.Metadata.StartedUtc ?? DateTimeOffset.UtcNow;
        IReadOnlyList<string> problems = InteractionRequest.CountProblems(request.Images, request.Sampling.Pairs, request.Sampling.Contexts);
        if (problems.Count > 0) throw new InputException(string.Join("\n", problems));
        int size = e.Preprocess.InputSize;
        PlayerSet players = request.Players.Build(size);
        IReadOnlyList<int> orders = InteractionOrders.For(players.Count, request.Sampling.Ratios);
        IReadOnlyList<string> cost = InteractionRequest.Cost(players, orders, request.Sampling, request.Images, size).Problems;
        if (cost.Count > 0) throw new InputException("contexts", string.Join("\n", cost));

        // The selection must not depend on the shard: open the unsharded session and shard the selected images.
        using EvaluationSession session = EvaluationSession.Open(e with { Shard = null });
        var forward = new AdaptiveForward(notice);
        var clock = Stopwatch.StartNew();
        (List<(int Index, int Label, float[] Pixels)> selected, List<SkippedImage> skipped, int scanned) = Select(session, request.Images, forward, cancellation);
        if (selected.Count == 0)
        {
            throw new InputException($"none of the {scanned} images read is classified correctly by {e.ModelLabel}; interactions explain correct predictions, " +
                "so there is nothing to explain (check --weights, --dataset and --limit).");
        }
        if (selected.Count < request.Images)
        {
            notice?.Invoke($"only {selected.Count} of the {scanned} images are classified correctly; explaining those instead of --images {request.Images}");
        }
        var mine = selected.Where((_, k) => e.Shard?.Contains(k) ?? true).ToList();

        long total = InteractionEstimator.RowsPerImage(players.Count, players.CandidatePairs.Count, orders, request.Sampling) * mine.Count, done = resumeFrom?.Forwards ?? 0;
        long finished = done; // the forwards of the images explained to the end, which a snapshot counts
        int halfWidth = size / 2 + 1;
        var forwardClock = new Stopwatch();
        // A resumed run keeps the images already explained, which are the first of its own in dataset order.
        var results = new List<ImageInteractions>(resumeFrom?.Images ?? Array.Empty<ImageInteractions>());
        var explained = results.Select(i => i.Index).ToHashSet();
        double earlierSeconds = resumeFrom?.Seconds ?? 0, earlierForwardSeconds = resumeFrom?.ForwardSeconds ?? 0;
        // Every shard reads the same images to select; only shard 0 counts the skipped ones, so that merged counts add up.
        int skippedHere = e.Shard is { Index: > 0 } ? 0 : skipped.Count;
        InteractionResult Result()
        {
            RunMetadata metadata = session.Metadata(Convention(players, request.Value), clip: false, results.Count, skippedHere, started) with
            {
                Shard = e.Shard?.ToString(),
                Scheduler = e.Shard?.Source,
                Parameters = InteractionAnalysis.Recorded(request.Players, request.Sampling, request.Value, orders, selected.Count, scanned),
            };
            return new InteractionResult(request.Players, players.Count, players.Description, orders, request.Sampling, request.Value, results.ToArray(), metadata,
                earlierSeconds + clock.Elapsed.TotalSeconds, finished, earlierForwardSeconds + forwardClock.Elapsed.TotalSeconds, selected.Count, scanned);
        }
        snapshot?.Invoke(Result);
        using Tensor partition = players.Partition(session.Device);
        Func<Tensor, Tensor> run = session.Forward;
        using (no_grad())
        {
            foreach ((int index, int label, float[] pixels) in mine)
            {
                if (explained.Contains(index)) continue;
                using var imageScope = NewDisposeScope();
                Tensor image = tensor(pixels, new long[] { 1, 3, size, size }).to(session.Device);
                // What the masks multiply: the normalised image for patches (absent = 0 = the mean), the [0,1] image's
                // half spectrum for bands (absent = zeroed, as FreqProbe's band-pass filters do).
                Tensor basis = players.Domain == PlayerDomain.Pixels ? session.Normalise(image) : fft.rfft2(image);
                double[] Value(float[] presence, int rows)
                {
                    using var scope = NewDisposeScope();
                    Tensor masks = tensor(presence.AsSpan(0, rows * players.Count).ToArray(), new long[] { rows, players.Count }).to(session.Device).matmul(partition);
                    Tensor inputs = players.Domain == PlayerDomain.Pixels
                        ? basis * masks.view(rows, 1, size, size)
                        : session.Normalise(fft.irfft2(basis * masks.view(rows, 1, size, halfWidth), s: new long[] { size, size }));
                    forwardClock.Start();
                    Tensor logits = forward.Logits(run, inputs.contiguous(), session.Classes,
                        row => $"image {index} with {players.Count - (int)presence.AsSpan((int)row * players.Count, players.Count).ToArray().Count(p => p > 0)} of its {players.Count} players masked");
                    double[] values = InteractionValues.Compute(request.Value, logits, label).cpu().data<double>().ToArray();
                    forwardClock.Stop();
                    return values;
                }
                results.Add(InteractionEstimator.Estimate(index, label, players.Count, players.CandidatePairs, orders, request.Sampling, e.BatchSize, Value, rows =>
                {
                    done += rows;
                    progress?.Report(new SweepProgress((int)Math.Min(int.MaxValue, done), (int)Math.Min(int.MaxValue, total), clock.Elapsed));
                }, cancellation));
                finished = done;
                snapshot?.Invoke(Result);
            }
        }
        return Result();
    }

    // The first `wanted` images, in dataset order, that the model classifies correctly, as [0,1] pixels.
    static (List<(int, int, float[])> Selected, List<SkippedImage> Skipped, int Scanned) Select(EvaluationSession session, int wanted, AdaptiveForward forward,
        CancellationToken cancellation)
    {
        RunRequest e = session.Request;
        int size = e.Preprocess.InputSize, stride = 3 * size * size;
        var selected = new List<(int, int, float[])>();
        var skipped = new List<SkippedImage>();
        int scanned = 0;
        var stream = new BatchStream(session.Dataset, session.Indices, e.BatchSize, e.Preprocess, e.Threads, e.OnBadImage);
        using (no_grad())
        {
            foreach (ImageBatch batch in stream.Read(cancellation))
            {
                skipped.AddRange(batch.Skipped);
                scanned += batch.Count + batch.Skipped.Count;
                if (batch.Count == 0) continue;
                using var scope = NewDisposeScope();
                Tensor x = HostToDevice.Images(batch, session.Device);
                long[] predicted = forward.Logits(session.Forward, session.Normalise(x), session.Classes, row => $"image {batch.Indices[(int)row]}")
                    .argmax(1).cpu().data<long>().ToArray();
                for (int i = 0; i < batch.Count && selected.Count < wanted; i++)
                {
                    if (predicted[i] == batch.Labels[i]) selected.Add((batch.Indices[i], batch.Labels[i], batch.Pixels.AsSpan(i * stride, stride).ToArray()));
                }
                if (selected.Count >= wanted) break;
            }
        }
        return (selected, skipped, scanned);
    }
}
