using MathNet.Numerics.Distributions;

namespace FreqProbe.Core.Statistics;

/// <summary>A Wilson score interval for a proportion (Wilson 1927), as fractions in [0, 1].</summary>
public readonly record struct AccuracyInterval(double Low, double High)
{
    /// <summary>
    /// The Wilson interval for <paramref name="successes"/> out of <paramref name="trials"/> at two-sided
    /// <paramref name="confidence"/> (0.95 by default). With no trials the interval is the whole [0, 1].
    /// </summary>
    public static AccuracyInterval Wilson(long successes, long trials, double confidence = 0.95)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(successes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(successes, trials);
        if (trials == 0) return new AccuracyInterval(0, 1);
        double z = Normal.InvCDF(0, 1, 1 - (1 - confidence) / 2);
        double n = trials;
        double p = successes / n;
        double z2 = z * z;
        double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = z / (1 + z2 / n) * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        return new AccuracyInterval(Math.Max(0, centre - half), Math.Min(1, centre + half));
    }
}
