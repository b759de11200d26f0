using FreqProbe.Core.Evaluation;

namespace FreqProbe.Core.Interactions;

/// <summary>
/// The interactions of a run: the per-image sums, from which the per-order figures follow. Images are kept in dataset
/// order, so that merged shards sum in the same order as an unsharded run and give the same numbers to the last digit.
/// </summary>
/// <param name="Players">Patches or bands, with their counts.</param>
/// <param name="PlayerCount">n.</param>
/// <param name="PlayerDescription">The players in words.</param>
/// <param name="Orders">The orders m, ascending.</param>
/// <param name="Sampling">How pairs and contexts were drawn.</param>
/// <param name="Value">What v(S) is.</param>
/// <param name="Images">Per-image sums, in dataset order.</param>
/// <param name="Metadata">Provenance; Evaluated counts the images explained.</param>
/// <param name="Seconds">Wall time.</param>
/// <param name="Forwards">Masked inputs evaluated (model forward images).</param>
/// <param name="ForwardSeconds">Time spent in the model's forward passes.</param>
/// <param name="Selected">Correctly classified images selected, over all shards.</param>
/// <param name="Scanned">Images read to find them.</param>
public sealed record InteractionResult(PlayerSpec Players, int PlayerCount, string PlayerDescription, IReadOnlyList<int> Orders, InteractionSampling Sampling,
    InteractionValue Value, IReadOnlyList<ImageInteractions> Images, RunMetadata Metadata, double Seconds, long Forwards, double ForwardSeconds, int Selected, int Scanned)
{
    /// <summary>How the images were chosen, in words.</summary>
    public string Selection => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"the first {Selected} correctly classified of {Scanned} images read in dataset order{(Metadata.Limit is { } l ? $" (within --limit {l})" : "")}" +
        $"{(Metadata.Shard is { } shard ? $"; shard {shard} explains every {shard.Split('/')[1]}-th of them" : "")}");

    /// <summary>Model forward images per second, over the whole run.</summary>
    public double ForwardsPerSecond => Forwards / Math.Max(Seconds, 1e-9);

    /// <summary>Pairs behind each order's mean: Σ over images of the pairs sampled.</summary>
    public long PairCount => Images.Sum(i => (long)i.Pairs);

    /// <summary>Contexts evaluated at order <paramref name="o"/> (an index into <see cref="Orders"/>), over all pairs and images.</summary>
    public long ContextCount(int o) => Images.Sum(i => i.Contexts[o]);

    /// <summary>E_x E_(i,j) |I^(m)(i,j)| at order index <paramref name="o"/>, summed in dataset order; NaN without pairs.</summary>
    public double MeanAbs(int o)
    {
        double sum = 0;
        foreach (ImageInteractions image in Images) sum += image.SumAbs[o];
        return PairCount == 0 ? double.NaN : sum / PairCount;
    }

    /// <summary>E_x E_(i,j) I^(m)(i,j), the signed mean, at order index <paramref name="o"/>.</summary>
    public double MeanSigned(int o)
    {
        double sum = 0;
        foreach (ImageInteractions image in Images) sum += image.SumSigned[o];
        return PairCount == 0 ? double.NaN : sum / PairCount;
    }

    /// <summary>
    /// J^(m) = mean |I^(m)| divided by its mean over the sampled orders (Deng et al. 2022), at order index
    /// <paramref name="o"/>; NaN when every order's mean is 0 (a game without interactions has no relative strength).
    /// </summary>
    public double Strength(int o)
    {
        double mean = Enumerable.Range(0, Orders.Count).Average(MeanAbs);
        return mean > 0 ? MeanAbs(o) / mean : double.NaN;
    }

    /// <summary>Bootstrap resamples behind <see cref="StrengthIntervals"/>.</summary>
    public const int BootstrapResamples = 1000;

    /// <summary>
    /// 95% percentile-bootstrap intervals of J^(m) per order, resampling the images with replacement (the images are the
    /// independent units; pairs and contexts within an image are not): 1,000 resamples from a fixed seed over the images
    /// in dataset order, so the intervals are reproducible and merged shards give the unsharded run's. [o, 0] is the
    /// low end, [o, 1] the high end; NaN with fewer than two images.
    /// </summary>
    public double[,] StrengthIntervals()
    {
        int orders = Orders.Count, n = Images.Count;
        var intervals = new double[orders, 2];
        if (n < 2)
        {
            for (int o = 0; o < orders; o++) intervals[o, 0] = intervals[o, 1] = double.NaN;
            return intervals;
        }
        var samples = new double[orders][];
        for (int o = 0; o < orders; o++) samples[o] = new double[BootstrapResamples];
        var random = new SampleStream(0xB007, n);
        var sums = new double[orders];
        for (int b = 0; b < BootstrapResamples; b++)
        {
            Array.Clear(sums);
            for (int k = 0; k < n; k++)
            {
                ImageInteractions image = Images[random.Below(n)];
                for (int o = 0; o < orders; o++) sums[o] += image.SumAbs[o];
            }
            // J is a ratio of means over the same pairs, so the resample's pair count cancels.
            double mean = sums.Average();
            for (int o = 0; o < orders; o++) samples[o][b] = mean > 0 ? sums[o] / mean : double.NaN;
        }
        for (int o = 0; o < orders; o++)
        {
            double[] sorted = samples[o].Where(double.IsFinite).Order().ToArray();
            intervals[o, 0] = sorted.Length == 0 ? double.NaN : sorted[(int)Math.Floor(0.025 * (sorted.Length - 1))];
            intervals[o, 1] = sorted.Length == 0 ? double.NaN : sorted[(int)Math.Ceiling(0.975 * (sorted.Length - 1))];
        }
        return intervals;
    }

    /// <summary>The mean of v(N) − v(∅) over images: the total effect the interactions share.</summary>
    public double MeanTotalEffect => Images.Count == 0 ? double.NaN : Images.Average(i => i.FullValue - i.EmptyValue);
}
