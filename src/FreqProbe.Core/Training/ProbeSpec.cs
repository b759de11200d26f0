namespace FreqProbe.Core.Training;

/// <summary>
/// What `train --probe-radii` measures after every epoch: top-1 on low- and high-passed versions of a fixed, seeded
/// subset of the training images (with the training labels) and of the test split, and optionally the F-principle
/// errors (<see cref="FPrinciple"/>) on the same training subset.
/// </summary>
public sealed record ProbeSpec
{
    /// <summary>The radii: every one is measured as a low-pass and as a high-pass filter (ideal circle).</summary>
    public required IReadOnlyList<double> Radii { get; init; }

    /// <summary>Images in the training subset (at most the training set).</summary>
    public int TrainCount { get; init; } = 5000;

    /// <summary>The first N test images; null for the whole test split.</summary>
    public int? TestCount { get; init; }

    /// <summary>Also record the F-principle errors e_low and e_high on the training subset.</summary>
    public bool FPrinciple { get; init; }

    /// <summary>The most training images the F-principle measure takes: its kernel is an n × n float64 matrix.</summary>
    public const int FPrincipleLimit = 10_000;
}

/// <summary>One row of NAME.probe.csv: top-1 of the model after <paramref name="Epoch"/> on one split under one filter.</summary>
/// <param name="Epoch">The epoch just finished.</param>
/// <param name="Split">train (the seeded subset, training labels) or test.</param>
/// <param name="Filter">none, lowpass or highpass.</param>
/// <param name="Radius">The radius in cycles per image; NaN for none.</param>
/// <param name="N">Images scored.</param>
/// <param name="Correct">Of which top-1 correct.</param>
public sealed record ProbeRow(int Epoch, string Split, string Filter, double Radius, long N, long Correct)
{
    /// <summary>Correct over N.</summary>
    public double Top1 => N == 0 ? 0 : (double)Correct / N;
}

/// <summary>One row of NAME.fprinciple.csv: the F-principle errors after <paramref name="Epoch"/> for one kernel width.</summary>
/// <param name="Epoch">The epoch just finished.</param>
/// <param name="WidthOverMedian">σ/m: the kernel width √δ over the median pairwise distance of the subset.</param>
/// <param name="Delta">δ itself, in squared [0,1]-pixel distance units.</param>
/// <param name="N">Images in the subset.</param>
/// <param name="LowError">e_low.</param>
/// <param name="HighError">e_high.</param>
public sealed record FPrincipleRow(int Epoch, double WidthOverMedian, double Delta, int N, double LowError, double HighError);
