using FreqProbe.Core.Statistics;

namespace FreqProbe.Core.Tests.Statistics;

public sealed class AccuracyIntervalTests
{
    const double Z95 = 1.959963984540054; // the two-sided 95% normal quantile

    [Theory]
    [InlineData(81, 263)]
    [InlineData(5, 10)]
    [InlineData(1, 1000)]
    [InlineData(999, 1000)]
    public void Bounds_solve_the_Wilson_score_equation(long successes, long trials)
    {
        // The Wilson bounds are the two roots p of (p̂ − p)² = z² p (1 − p) / n.
        AccuracyInterval interval = AccuracyInterval.Wilson(successes, trials);
        double pHat = (double)successes / trials;
        foreach (double p in new[] { interval.Low, interval.High })
        {
            double lhs = (pHat - p) * (pHat - p);
            double rhs = Z95 * Z95 * p * (1 - p) / trials;
            Assert.True(Math.Abs(lhs - rhs) < 1e-12, $"p={p}: {lhs} vs {rhs}");
        }
        Assert.True(interval.Low < pHat && pHat < interval.High);
    }

    [Fact]
    public void Edge_cases_reach_zero_and_one()
    {
        // With no successes the lower bound is 0 and the upper bound is z² / (n + z²).
        AccuracyInterval none = AccuracyInterval.Wilson(0, 10);
        Assert.Equal(0, none.Low, 12);
        Assert.Equal(Z95 * Z95 / (10 + Z95 * Z95), none.High, 12);
        AccuracyInterval all = AccuracyInterval.Wilson(10, 10);
        Assert.Equal(1, all.High, 12);
        Assert.Equal(10 / (10 + Z95 * Z95), all.Low, 12);
        Assert.Equal(new AccuracyInterval(0, 1), AccuracyInterval.Wilson(0, 0));
    }

    [Fact]
    public void A_wider_confidence_gives_a_wider_interval()
    {
        AccuracyInterval i95 = AccuracyInterval.Wilson(40, 100);
        AccuracyInterval i99 = AccuracyInterval.Wilson(40, 100, 0.99);
        Assert.True(i99.Low < i95.Low && i99.High > i95.High);
    }
}
