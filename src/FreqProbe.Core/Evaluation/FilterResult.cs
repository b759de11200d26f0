using FreqProbe.Core.Spectral;

namespace FreqProbe.Core.Evaluation;

/// <summary>
/// The outcome for one filter setting, as exact counts over images plus their derived rates. Counts and sums
/// add across shards; the rates and intervals are recomputed from them.
/// </summary>
public sealed record FilterResult(
    FrequencyFilter Filter,
    long N,
    long Correct,
    long? Top5Correct,
    long Agreeing,
    double EnergyKeptSum,
    double CoefficientsKept)
{
    /// <summary>Images per dataset class (label), evaluated under this setting.</summary>
    public IReadOnlyList<long> ClassTotals { get; init; } = Array.Empty<long>();

    /// <summary>Correct top-1 predictions per dataset class.</summary>
    public IReadOnlyList<long> ClassCorrect { get; init; } = Array.Empty<long>();

    /// <summary>Top-1 accuracy of class <paramref name="label"/>, or null when it has no images.</summary>
    public double? ClassTop1(int label) => ClassTotals[label] == 0 ? null : (double)ClassCorrect[label] / ClassTotals[label];

    /// <summary>Top-1 accuracy in [0, 1].</summary>
    public double Top1 => N == 0 ? 0 : (double)Correct / N;

    /// <summary>Wilson 95% interval on top-1.</summary>
    public Statistics.AccuracyInterval Top1Interval => Statistics.AccuracyInterval.Wilson(Correct, N);

    /// <summary>Top-5 accuracy, or null with fewer than 5 classes.</summary>
    public double? Top5 => Top5Correct is { } c && N > 0 ? (double)c / N : null;

    /// <summary>The fraction of images whose prediction equals their unfiltered prediction.</summary>
    public double Agreement => N == 0 ? 0 : (double)Agreeing / N;

    /// <summary>Mean over images of the fraction of spectral energy kept.</summary>
    public double EnergyKept => N == 0 ? 0 : EnergyKeptSum / N;
}
