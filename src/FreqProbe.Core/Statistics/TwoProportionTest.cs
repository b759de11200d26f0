using MathNet.Numerics.Distributions;

namespace FreqProbe.Core.Statistics;

/// <summary>The pooled two-proportion z-test: is x2/n2 different from x1/n1?</summary>
public static class TwoProportionTest
{
    /// <summary>The z statistic of (p2 − p1) and its two-sided p-value. Identical degenerate proportions give z = 0, p = 1.</summary>
    public static (double Z, double PValue) Compare(long x1, long n1, long x2, long n2)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n1, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(n2, 1);
        double p1 = (double)x1 / n1, p2 = (double)x2 / n2;
        double pooled = (double)(x1 + x2) / (n1 + n2);
        double se = Math.Sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2));
        if (se == 0) return (0, 1);
        double z = (p2 - p1) / se;
        return (z, 2 * (1 - Normal.CDF(0, 1, Math.Abs(z))));
    }
}
