using FreqProbe.Core.Statistics;

namespace FreqProbe.Core.Tests.Sensitivity;

public sealed class ExactSumsTests
{
    [Fact]
    public void Sums_are_exact_where_floating_point_addition_loses_the_small_term()
    {
        var sums = new ExactSums(1);
        foreach (double term in new[] { 1e16, 1.0, -1e16 }) sums.Add(0, term);
        Assert.Equal(0.0, 1e16 + 1.0 - 1e16); // what a double accumulator gives
        Assert.Equal(1.0, sums.Value(0));
    }

    [Fact]
    public void Any_order_and_any_split_into_parts_give_the_same_sum_to_the_bit()
    {
        var random = new Random(7);
        // Terms over thirty decades, as per-image powers at different frequencies are.
        double[] terms = Enumerable.Range(0, 2000).Select(_ => Math.Pow(10, random.NextDouble() * 30 - 20) * (random.NextDouble() + 0.5)).ToArray();
        var whole = new ExactSums(1);
        foreach (double t in terms) whole.Add(0, t);
        var parts = Enumerable.Range(0, 3).Select(_ => new ExactSums(1)).ToArray();
        int k = 0;
        foreach (double t in terms.OrderBy(_ => random.Next())) parts[k++ % 3].Add(0, t);
        var merged = new ExactSums(1);
        foreach (ExactSums part in parts.Reverse()) merged.Add(part);
        Assert.Equal(whole.Text(0), merged.Text(0));
        Assert.Equal(whole.Value(0), merged.Value(0));

        // A float sum of the same terms in the two orders differs in its last bits, which is why the map is kept exactly.
        double forward = terms.Aggregate(0.0, (a, t) => a + t);
        Assert.Equal(forward, whole.Value(0), forward * 1e-14);
    }

    [Fact]
    public void Text_round_trips_and_hostile_text_is_refused()
    {
        var sums = new ExactSums(3);
        sums.Add(0, 0.1);
        sums.Add(0, double.Epsilon);
        sums.Add(1, -3.5e300);
        var back = new ExactSums(3);
        for (int i = 0; i < 3; i++) Assert.True(back.TrySet(i, sums.Text(i)));
        for (int i = 0; i < 3; i++) Assert.Equal(sums.Text(i), back.Text(i));
        Assert.Equal(0.1, back.Value(0)); // ε is below half an ulp of 0.1
        Assert.Equal(-3.5e300, back.Value(1));
        Assert.Equal("0", back.Text(2));
        foreach (string bad in new[] { "", "p3", "12p", "1.5p3", "1p99999", "1e5", new string('9', 5000) + "p0" }) Assert.False(back.TrySet(0, bad), bad);
        Assert.Throws<ArgumentOutOfRangeException>(() => sums.Add(0, double.NaN));
    }
}
