using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Interactions;

namespace FreqProbe.Core.Tests.Interactions;

/// <summary>The estimator against value functions whose interactions are known in closed form.</summary>
public sealed class InteractionEstimatorTests
{
    static IReadOnlyList<(int, int)> AllPairs(int n) =>
        Enumerable.Range(0, n).SelectMany(i => Enumerable.Range(i + 1, n - i - 1).Select(j => (i, j))).ToArray();

    static IReadOnlyList<double> EveryOrder(int n) => Enumerable.Range(0, n - 1).Select(m => (double)m / (n - 2)).ToArray();

    // A value function of the presence rows, one row at a time.
    static Func<float[], int, double[]> Oracle(int n, Func<bool[], double> v) => (presence, rows) =>
        Enumerable.Range(0, rows).Select(r => v(Enumerable.Range(0, n).Select(p => presence[r * n + p] == 1f).ToArray())).ToArray();

    static InteractionResult AsResult(int n, IReadOnlyList<int> orders, InteractionSampling sampling, params ImageInteractions[] images) =>
        new(new PlayerSpec("patches"), n, "test players", orders, sampling, InteractionValue.Logit, images, null!, 0, 0, 0, images.Length, images.Length);

    [Fact]
    public void Orders_truncate_the_ratios_and_keep_each_order_once()
    {
        IReadOnlyList<int> big = InteractionOrders.For(64, InteractionOrders.DefaultRatios);
        Assert.Equal(13, big.Count);
        Assert.Equal(0, big[0]);
        Assert.Equal(62, big[^1]);
        Assert.Equal(6, big[2]);   // int(62 * 0.1) = int(6.2)
        Assert.Equal(58, big[^2]); // int(62 * 0.95) = int(58.9)
        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, InteractionOrders.For(6, InteractionOrders.DefaultRatios));
        Assert.Throws<InputException>(() => InteractionOrders.ParseRatios("0,0.5,1.5"));
    }

    [Fact]
    public void A_value_that_needs_both_players_gives_one_at_every_order_for_that_pair_and_zero_for_every_other()
    {
        const int n = 10, a = 2, b = 7;
        IReadOnlyList<int> orders = InteractionOrders.For(n, EveryOrder(n));
        var sampling = new InteractionSampling(Pairs: 1000, Contexts: 5, EveryOrder(n), Seed: 3);
        Func<float[], int, double[]> both = Oracle(n, s => s[a] && s[b] ? 1 : 0);

        ImageInteractions all = InteractionEstimator.Estimate(0, 0, n, AllPairs(n), orders, sampling, 7, both);
        Assert.Equal(45, all.Pairs);
        for (int o = 0; o < orders.Count; o++)
        {
            Assert.Equal(1.0, all.SumAbs[o], 12);   // the one pair contributes 1, the 44 others 0
            Assert.Equal(1.0, all.SumSigned[o], 12);
        }
        ImageInteractions only = InteractionEstimator.Estimate(0, 0, n, new[] { (a, b) }, orders, sampling, 7, both);
        Assert.All(only.SumSigned, s => Assert.Equal(1.0, s, 12));
        ImageInteractions others = InteractionEstimator.Estimate(0, 0, n, AllPairs(n).Where(p => p != (a, b)).ToArray(), orders, sampling, 7, both);
        Assert.All(others.SumAbs, s => Assert.Equal(0.0, s, 12));
        Assert.Equal(1.0, all.FullValue);
        Assert.Equal(0.0, all.EmptyValue);
    }

    [Theory]
    [InlineData(12, 5)]
    [InlineData(12, 2)]
    [InlineData(9, 9)]
    public void A_threshold_value_interacts_only_at_the_two_orders_the_formula_gives(int n, int k)
    {
        // v(T) = 1 when |T| >= k. For a context of size m: dv = [m+2 >= k] - 2[m+1 >= k] + [m >= k], which is +1 at
        // m = k - 2, -1 at m = k - 1 and 0 elsewhere, whatever the context: so I^(m) is the same for every pair.
        static double Expected(int m, int k) => (m + 2 >= k ? 1 : 0) - 2 * (m + 1 >= k ? 1 : 0) + (m >= k ? 1 : 0);
        IReadOnlyList<int> orders = InteractionOrders.For(n, EveryOrder(n));
        var sampling = new InteractionSampling(Pairs: 20, Contexts: 3, EveryOrder(n), Seed: 9);
        ImageInteractions image = InteractionEstimator.Estimate(4, 1, n, AllPairs(n), orders, sampling, 16, Oracle(n, s => s.Count(p => p) >= k ? 1 : 0));
        Assert.Equal(20, image.Pairs);
        for (int o = 0; o < orders.Count; o++) Assert.Equal(20 * Expected(orders[o], k), image.SumSigned[o], 12);
        Assert.Equal(orders.Count(m => m == k - 2 || m == k - 1) * 20.0, image.SumAbs.Sum(), 12);

        // J: |I| = 1 at the interacting orders, 0 elsewhere, so J there is the number of orders over the number of interacting ones.
        InteractionResult result = AsResult(n, orders, sampling, image);
        int interacting = orders.Count(m => m == k - 2 || m == k - 1);
        for (int o = 0; o < orders.Count; o++)
        {
            double expected = Expected(orders[o], k) != 0 ? (double)orders.Count / interacting : 0;
            Assert.Equal(expected, result.Strength(o), 12);
        }
    }

    [Fact]
    public void With_every_context_enumerated_the_estimate_equals_a_brute_force_computation_on_six_players()
    {
        const int n = 6;
        var random = new Random(20220425);
        double[] table = Enumerable.Range(0, 1 << n).Select(_ => random.NextDouble() * 4 - 2).ToArray();
        static int Bits(bool[] s) => s.Select((p, i) => p ? 1 << i : 0).Sum();
        IReadOnlyList<int> orders = InteractionOrders.For(n, InteractionOrders.DefaultRatios);
        var sampling = new InteractionSampling(Pairs: 50, Contexts: 6, InteractionOrders.DefaultRatios, Seed: 1); // C(4, m) <= 6: every context once
        ImageInteractions image = InteractionEstimator.Estimate(0, 0, n, AllPairs(n), orders, sampling, 5, Oracle(n, s => table[Bits(s)]));

        for (int o = 0; o < orders.Count; o++)
        {
            int m = orders[o];
            double sumAbs = 0, sumSigned = 0;
            long contexts = 0;
            for (int i = 0; i < n; i++)
            {
                for (int j = i + 1; j < n; j++)
                {
                    double sum = 0;
                    int count = 0;
                    for (int s = 0; s < 1 << n; s++)
                    {
                        if ((s & (1 << i)) != 0 || (s & (1 << j)) != 0 || System.Numerics.BitOperations.PopCount((uint)s) != m) continue;
                        sum += table[s | (1 << i) | (1 << j)] - table[s | (1 << i)] - table[s | (1 << j)] + table[s];
                        count++;
                    }
                    sumAbs += Math.Abs(sum / count);
                    sumSigned += sum / count;
                    contexts += count;
                }
            }
            Assert.Equal(sumAbs, image.SumAbs[o], 12);
            Assert.Equal(sumSigned, image.SumSigned[o], 12);
            Assert.Equal(contexts, image.Contexts[o]);
        }
    }

    [Fact]
    public void An_additive_value_has_no_interactions()
    {
        const int n = 16;
        double[] weights = Enumerable.Range(0, n).Select(p => Math.Sin(p + 1.0)).ToArray();
        var sampling = new InteractionSampling(30, 8, InteractionOrders.DefaultRatios, 5);
        ImageInteractions image = InteractionEstimator.Estimate(2, 0, n, AllPairs(n), InteractionOrders.For(n, sampling.Ratios), sampling, 64,
            Oracle(n, s => 0.5 + s.Select((p, i) => p ? weights[i] : 0).Sum()));
        Assert.All(image.SumAbs, s => Assert.True(s < 1e-12, $"{s}"));
    }

    [Fact]
    public void Samples_are_valid_and_depend_only_on_the_seed_and_the_image()
    {
        const int n = 64;
        int[][] contexts = InteractionEstimator.Contexts(n, (3, 40), 31, 32, seed: 7, index: 12);
        Assert.Equal(32, contexts.Length);
        Assert.All(contexts, c =>
        {
            Assert.Equal(31, c.Length);
            Assert.Equal(31, c.Distinct().Count());
            Assert.DoesNotContain(3, c);
            Assert.DoesNotContain(40, c);
            Assert.All(c, p => Assert.InRange(p, 0, n - 1));
        });
        Assert.Equal(contexts, InteractionEstimator.Contexts(n, (3, 40), 31, 32, seed: 7, index: 12));
        Assert.NotEqual(contexts, InteractionEstimator.Contexts(n, (3, 40), 31, 32, seed: 7, index: 13));
        Assert.NotEqual(contexts, InteractionEstimator.Contexts(n, (3, 40), 31, 32, seed: 8, index: 12));
        Assert.Single(InteractionEstimator.Contexts(n, (3, 40), 62, 32, 7, 12)); // C(62, 62) = 1: the one context, once
        Assert.Equal(62, InteractionEstimator.Contexts(n, (3, 40), 1, 100, 7, 12).Length);

        var candidates = AllPairs(20);
        var pairs = InteractionEstimator.DrawPairs(candidates, 50, 7, 12);
        Assert.Equal(50, pairs.Distinct().Count());
        Assert.Equal(pairs, InteractionEstimator.DrawPairs(candidates, 50, 7, 12));
        Assert.Same(candidates, InteractionEstimator.DrawPairs(candidates, 500, 7, 12));
    }

    [Fact]
    public void Rows_per_call_do_not_change_the_estimate()
    {
        const int n = 12;
        var sampling = new InteractionSampling(10, 4, InteractionOrders.DefaultRatios, 2);
        var orders = InteractionOrders.For(n, sampling.Ratios);
        Func<float[], int, double[]> v = Oracle(n, s => Math.Tanh(s.Select((p, i) => p ? (i % 3) - 0.7 : 0).Sum()) * s.Count(p => p));
        int calls = 0;
        ImageInteractions one = InteractionEstimator.Estimate(1, 0, n, AllPairs(n), orders, sampling, 1, (p, r) => { calls++; return v(p, r); });
        ImageInteractions many = InteractionEstimator.Estimate(1, 0, n, AllPairs(n), orders, sampling, 97, v);
        Assert.Equal(one.SumAbs, many.SumAbs);
        Assert.Equal(one.SumSigned, many.SumSigned);
        Assert.Equal(2 + 4 * 10 * InteractionEstimator.ContextsPerPair(n, orders, 4), calls);
    }

    // Issue 32 #6: --contexts 1000000000 materialised every context before the first forward and grew until killed.
    // The rows now stream: memory before the first forward is the chunk, whatever the contexts.
    [Fact]
    public void A_billion_contexts_start_forwarding_with_the_memory_of_one_chunk()
    {
        const int n = 64;
        var sampling = new InteractionSampling(50, 1_000_000_000, InteractionOrders.DefaultRatios, 3);
        var orders = InteractionOrders.For(n, sampling.Ratios);
        using var cancel = new CancellationTokenSource();
        long before = GC.GetAllocatedBytesForCurrentThread(), atFirstForward = 0;
        int calls = 0;
        Assert.ThrowsAny<OperationCanceledException>(() => InteractionEstimator.Estimate(0, 0, n, AllPairs(n), orders, sampling, 256, (presence, rows) =>
        {
            if (calls++ == 0) atFirstForward = GC.GetAllocatedBytesForCurrentThread() - before;
            if (calls == 3) cancel.Cancel();
            return new double[rows];
        }, cancellation: cancel.Token));
        Assert.Equal(3, calls);
        Assert.True(atFirstForward < 4 << 20, $"{atFirstForward} bytes allocated before the first forward");
    }

    [Fact]
    public void Bootstrap_intervals_collapse_for_identical_images_and_widen_with_differing_ones()
    {
        IReadOnlyList<int> orders = new[] { 0, 1, 2 };
        var sampling = new InteractionSampling(1, 1, new[] { 0.0, 0.5, 1.0 }, 0);
        ImageInteractions Image(int index, params double[] sums) => new(index, 0, 1, new long[] { 1, 1, 1 }, sums, sums, 0, 0);

        InteractionResult same = AsResult(4, orders, sampling, Image(0, 3, 1, 2), Image(1, 3, 1, 2), Image(2, 3, 1, 2));
        double[,] tight = same.StrengthIntervals();
        for (int o = 0; o < 3; o++) Assert.Equal((same.Strength(o), same.Strength(o)), (tight[o, 0], tight[o, 1]));

        InteractionResult mixed = AsResult(4, orders, sampling, Enumerable.Range(0, 20).Select(i => i % 2 == 0 ? Image(i, 3, 1, 2) : Image(i, 1, 2, 1)).ToArray());
        double[,] wide = mixed.StrengthIntervals();
        for (int o = 0; o < 3; o++)
        {
            Assert.True(wide[o, 0] < mixed.Strength(o) && mixed.Strength(o) < wide[o, 1], $"order {o}: {wide[o, 0]} {mixed.Strength(o)} {wide[o, 1]}");
        }
        Assert.Equal(wide, mixed.StrengthIntervals());
        Assert.True(double.IsNaN(AsResult(4, orders, sampling, Image(0, 3, 1, 2)).StrengthIntervals()[0, 0]));
    }
}
