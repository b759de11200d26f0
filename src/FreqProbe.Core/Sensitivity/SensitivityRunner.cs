using System.Diagnostics;
using FreqProbe.Core.Datasets;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Native;
using FreqProbe.Core.Statistics;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Sensitivity;

/// <summary>The model output whose input gradient a sensitivity map takes.</summary>
public enum SensitivityValue
{
    /// <summary>The cross-entropy loss of the true class, logsumexp_c z_c − z_y (Krishnamachari et al. 2023; the default).</summary>
    Loss,

    /// <summary>The true class's logit z_y.</summary>
    Logit,

    /// <summary>The true class's log-odds, z_y − logsumexp_(c≠y) z_c.</summary>
    LogOdds,
}

/// <summary>A Fourier sensitivity map to compute.</summary>
/// <param name="Evaluation">Model, weights, data, limit, shard, batch size, threads, device, precision and seed.</param>
/// <param name="Value">The output differentiated.</param>
public sealed record SensitivityRequest(RunRequest Evaluation, SensitivityValue Value);

/// <summary>One image's sensitivity: the sums of its map in the three bands (<see cref="SensitivityBands"/>).</summary>
/// <param name="Index">Dataset index.</param>
/// <param name="Label">True class.</param>
/// <param name="Low">Σ of the map over d &lt; N/6.</param>
/// <param name="Middle">Σ over N/6 ≤ d &lt; N/3.</param>
/// <param name="High">Σ over d ≥ N/3.</param>
public sealed record ImageSensitivity(int Index, int Label, double Low, double Middle, double High)
{
    /// <summary>Σ of the image's map: its mean squared gradient per channel, by Parseval.</summary>
    public double Total => Low + Middle + High;
}

/// <summary>A computed sensitivity map: per centred frequency, the exact sum over images of the channel-mean power.</summary>
/// <param name="Size">Grid side N; u and v run from −⌊N/2⌋ to N − ⌊N/2⌋ − 1.</param>
/// <param name="Value">The output differentiated.</param>
/// <param name="Map">N·N exact sums, cell (v + ⌊N/2⌋)·N + (u + ⌊N/2⌋).</param>
/// <param name="Images">Per image, in dataset order.</param>
/// <param name="Metadata">Provenance (the value in <see cref="RunMetadata.Parameters"/>).</param>
/// <param name="Seconds">Wall time.</param>
public sealed record SensitivityResult(int Size, SensitivityValue Value, ExactSums Map, IReadOnlyList<ImageSensitivity> Images, RunMetadata Metadata, double Seconds)
{
    /// <summary>The mean map over images at (u, v), rounded from the exact sum; 0 with no image.</summary>
    public double Mean(int u, int v) => Images.Count == 0 ? 0 : Map.Value((v + Size / 2) * Size + u + Size / 2) / Images.Count;
}

/// <summary>
/// Computes Fourier sensitivity (Krishnamachari et al., TMLR 2023): per image, the gradient of the chosen output with
/// respect to the model input in [0,1] pixel space (before normalisation), its per-channel unitary 2-D DFT, centred
/// as CONVENTIONS centres spectra, and its power |·|², averaged over the three channels. One forward and one backward
/// pass per image; the network's weights take no gradient. Images are independent, so the gradient of the batch's
/// summed output is every image's own. Each image's map is added to exact sums (<see cref="ExactSums"/>), so shards
/// merge to the bit.
/// </summary>
public static class SensitivityRunner
{
    /// <summary>The definition, as recorded in every result.</summary>
    public const string Convention =
        "Fourier sensitivity (Krishnamachari et al. 2023): g = d value / d x in [0,1] pixel space before normalisation; " +
        "S(u,v) = mean over channels of |unitary DFT(g_c)|^2, centred (DC at floor(N/2)); averaged over images";

    /// <summary>
    /// Images per forward and backward pass, set by the input size alone (64 up to 64 pixels, 16 above, the default
    /// --batch-size), whatever --batch-size (which then sets how many images are read at once) and the shard: the
    /// backends round an image's gradient differently at other pass sizes (measured: 1e-7 relative between passes of 3
    /// and 4 images), and the exact sums would carry that into the last bits of a merge. A short pass is padded with
    /// blank images, as every plan pads. Passes of 8 images ran at about 0.7 of the speed of passes of 64 (CIFAR ResNet-20, 2 threads).
    /// </summary>
    public static int PassImages(int inputSize) => Planning.RunResolver.DefaultBatch(inputSize);

    /// <summary>
    /// Runs <paramref name="request"/>, reporting progress in images. <paramref name="resumeFrom"/>, the partial result
    /// of an interrupted run of the same request, holds the images it read, which come first in dataset order and are
    /// not read again; <paramref name="snapshot"/> gets the partial result before the first batch and after each.
    /// </summary>
    public static SensitivityResult Run(SensitivityRequest request, IProgress<SweepProgress>? progress = null, Action<string>? notice = null,
        SensitivityResult? resumeFrom = null, Action<Func<SensitivityResult>>? snapshot = null, CancellationToken cancellation = default)
    {
        RunRequest e = request.Evaluation;
        DateTimeOffset started = resumeFrom?.Metadata.StartedUtc ?? DateTimeOffset.UtcNow;
        using EvaluationSession session = EvaluationSession.Open(e, SessionParts.All | SessionParts.InputGradients, notice, settingsPerPass: 1, PassImages(e.Preprocess.InputSize));
        Device device = session.Device;
        int size = e.Preprocess.InputSize;
        var map = new ExactSums(size * size);
        var images = new List<ImageSensitivity>();
        int earlierSkipped = 0;
        double earlierSeconds = 0;
        if (resumeFrom is not null)
        {
            if (resumeFrom.Size != size) throw new InputException("resume", $"the partial sensitivity map is {resumeFrom.Size}x{resumeFrom.Size}, this run {size}x{size}.");
            map.Add(resumeFrom.Map);
            images.AddRange(resumeFrom.Images);
            (earlierSkipped, earlierSeconds) = (resumeFrom.Metadata.Skipped, resumeFrom.Seconds);
        }
        int[] band = SensitivityBands.BandOfCells(size);
        int read = images.Count + earlierSkipped;
        IReadOnlyList<int> indices = session.Indices;
        var clock = Stopwatch.StartNew();
        var stream = new BatchStream(session.Dataset, indices.Skip(read).ToArray(), e.BatchSize, e.Preprocess, e.Threads, e.OnBadImage);
        var skipped = new List<SkippedImage>();
        SensitivityResult Result()
        {
            var copy = new ExactSums(map.Count);
            copy.Add(map);
            RunMetadata metadata = session.Metadata(Convention, clip: false, images.Count, earlierSkipped + skipped.Count, started) with
            {
                Parameters = SensitivityAnalysis.Recorded(request.Value),
            };
            return new SensitivityResult(size, request.Value, copy, images.ToArray(), metadata, earlierSeconds + clock.Elapsed.TotalSeconds);
        }
        snapshot?.Invoke(Result);
        int done = read;
        foreach (ImageBatch batch in stream.Read(cancellation))
        {
            if (batch.Count == 0)
            {
                skipped.AddRange(batch.Skipped);
                continue;
            }
            cancellation.ThrowIfCancellationRequested();
            int b = batch.Count;
            var power = new double[(long)b * size * size];
            using (var scope = NewDisposeScope())
            {
                Tensor pixels = HostToDevice.Images(batch, device);
                int pass = PassImages(size);
                for (int first = 0; first < b; first += pass)
                {
                    int count = Math.Min(pass, b - first);
                    PowerMaps(session, pixels.narrow(0, first, count), batch, first, request.Value, device, power);
                }
            }
            // Cells are independent sums, so threads may share them out; each image's band sums run in cell order.
            int cells = size * size, chunk = Math.Max(1, cells / (4 * Math.Max(1, e.Threads)));
            Parallel.For(0, (cells + chunk - 1) / chunk, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, e.Threads) }, part =>
            {
                for (int cell = part * chunk; cell < Math.Min(cells, (part + 1) * chunk); cell++)
                {
                    for (int i = 0; i < b; i++) map.Add(cell, power[(long)i * cells + cell]);
                }
            });
            for (int i = 0; i < b; i++)
            {
                var sums = new double[3];
                long offset = (long)i * cells;
                for (int cell = 0; cell < cells; cell++) sums[band[cell]] += power[offset + cell];
                images.Add(new ImageSensitivity(batch.Indices[i], batch.Labels[i], sums[0], sums[1], sums[2]));
            }
            skipped.AddRange(batch.Skipped);
            done += b + batch.Skipped.Count;
            progress?.Report(new SweepProgress(done, indices.Count, clock.Elapsed));
            snapshot?.Invoke(Result);
        }
        if (images.Count == 0) session.RequireEvaluated(skipped);
        return Result();
    }

    // The channel-mean power spectra of the input gradients of <images>, images first.. of the batch, written into
    // <power> from image first on, [N, N] per image in row-major order.
    static void PowerMaps(EvaluationSession session, Tensor images, ImageBatch batch, int first, SensitivityValue value, Device device, double[] power)
    {
        using var scope = NewDisposeScope();
        int count = (int)images.shape[0];
        Tensor x = images.detach().requires_grad_(true);
        Tensor labels = tensor(batch.Labels.Skip(first).Take(count).Select(v => (long)v).ToArray()).to(device);
        using (enable_grad())
        {
            Tensor logits = session.Forward(session.Normalise(x));
            AdaptiveForward.Check(logits, count, session.Classes, row => $"image {batch.Indices[first + (int)row]}");
            Tensor output = Output(value, logits.to(ScalarType.Float32), labels);
            output.sum().backward();
        }
        Tensor gradient = x.grad ?? throw new InvalidOperationException("the model's output does not depend on its input (no gradient reached it)");
        if (!gradient.isfinite().all().item<bool>())
        {
            long row = gradient.isfinite().logical_not().flatten(1).any(1).nonzero()[0, 0].item<long>();
            throw new InputException("weights", $"the gradient of image {batch.Indices[first + (int)row]} is not finite (NaN or infinity); the model's backward pass " +
                "overflows on it. Expected finite gradients: try --precision fp32.");
        }
        Tensor spectrum = fft.fftshift(fft.fft2(gradient.detach().to(ScalarType.Float64).cpu(), norm: FFTNormType.Ortho), new long[] { -2, -1 });
        Tensor powerMap = spectrum.abs().pow(PinnedScalars.Two).mean(new long[] { 1 }).contiguous();
        powerMap.data<double>().CopyTo(power, (int)(first * powerMap.shape[1] * powerMap.shape[2]));
    }

    /// <summary>Each row's <paramref name="value"/> for its label, [B] in the logits' type.</summary>
    public static Tensor Output(SensitivityValue value, Tensor logits, Tensor labels)
    {
        Tensor zy = logits.gather(1, labels.unsqueeze(1)).squeeze(1);
        switch (value)
        {
            case SensitivityValue.Logit:
                return zy;
            case SensitivityValue.Loss:
                return logits.logsumexp(1) - zy;
            default:
                Tensor others = logits.scatter(1, labels.unsqueeze(1), full(new long[] { logits.shape[0], 1 }, PinnedScalars.NegativeInfinity, dtype: logits.dtype, device: logits.device));
                return zy - others.logsumexp(1);
        }
    }
}
