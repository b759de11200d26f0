namespace FreqProbe.Core.Interactions;

/// <summary>
/// Estimates one image's multi-order interactions (Deng et al., ICLR 2022) from a value function over coalitions:
/// Δv(i,j,S) = v(S∪{i,j}) − v(S∪{i}) − v(S∪{j}) + v(S), I^(m)(i,j) = the mean of Δv over contexts S ⊆ N∖{i,j} with
/// |S| = m. The four coalitions of every (pair, order, context) sample, and v(N) and v(∅), are rows of presence vectors
/// handed to the value function in chunks of a fixed number of rows, so that a model sees full forward batches.
/// </summary>
public static class InteractionEstimator
{
    /// <summary>
    /// Estimates the interactions of image <paramref name="index"/> among <paramref name="players"/> players.
    /// <paramref name="value"/> takes a [rows × n] row-major 0/1 presence matrix and the row count and returns v of
    /// each row; it is called with at most <paramref name="rowsPerCall"/> rows. <paramref name="rowsDone"/> hears
    /// how many rows each call evaluated.
    /// </summary>
    public static ImageInteractions Estimate(int index, int label, int players, IReadOnlyList<(int I, int J)> candidates, IReadOnlyList<int> orders,
        InteractionSampling sampling, int rowsPerCall, Func<float[], int, double[]> value, Action<int>? rowsDone = null, CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowsPerCall, 1);
        IReadOnlyList<(int I, int J)> pairs = DrawPairs(candidates, sampling.Pairs, sampling.Seed, index);
        foreach (int m in orders)
        {
            if (m < 0 || m > players - 2) throw new ArgumentOutOfRangeException(nameof(orders), $"order {m} outside 0..{players - 2}");
        }
        // Rows are generated and consumed as a stream, one forward chunk at a time: memory is the chunk and one sum per
        // (pair, order), whatever the number of contexts (issue 32 #6: 10^9 contexts used to be materialised first).
        var tally = new Tally(pairs.Count, orders.Count, m => (int)Math.Min(Binomial(players - 2, m, sampling.Contexts), sampling.Contexts), orders);
        var presence = new float[rowsPerCall * players];
        int filled = 0;
        void Flush()
        {
            cancellation.ThrowIfCancellationRequested();
            double[] v = value(presence, filled);
            if (v.Length < filled) throw new InvalidOperationException($"the value function returned {v.Length} values for {filled} rows");
            for (int r = 0; r < filled; r++) tally.Add(v[r]);
            rowsDone?.Invoke(filled);
            Array.Clear(presence, 0, filled * players);
            filled = 0;
        }
        foreach (var row in Rows(players, pairs, orders, sampling, index))
        {
            Fill(presence.AsSpan(filled * players, players), row);
            if (++filled == rowsPerCall) Flush();
        }
        if (filled > 0) Flush();
        return tally.Result(index, label, pairs.Count);
    }

    // Row 0 is N, row 1 is ∅; then per (pair, order, context) sample S, S∪{i}, S∪{j}, S∪{i,j} (variants 0 to 3).
    static IEnumerable<(int I, int J, int[] Context, int Variant)> Rows(int players, IReadOnlyList<(int I, int J)> pairs, IReadOnlyList<int> orders,
        InteractionSampling sampling, int index)
    {
        yield return (-1, -1, Array.Empty<int>(), Full);
        yield return (-1, -1, Array.Empty<int>(), 0);
        foreach (var pair in pairs)
        {
            foreach (int m in orders)
            {
                foreach (int[] context in ContextStream(players, pair, m, sampling.Contexts, sampling.Seed, index))
                {
                    for (int variant = 0; variant < 4; variant++) yield return (pair.I, pair.J, context, variant);
                }
            }
        }
    }

    const int Full = -1;

    static void Fill(Span<float> row, (int I, int J, int[] Context, int Variant) r)
    {
        if (r.Variant == Full)
        {
            row.Fill(1f);
            return;
        }
        foreach (int player in r.Context) row[player] = 1f;
        if (r.Variant is 1 or 3) row[r.I] = 1f;
        if (r.Variant is 2 or 3) row[r.J] = 1f;
    }

    // Consumes v of the rows in stream order: Δv per sample, their mean per (pair, order), and the per-order sums, with
    // the arithmetic in the same order as a whole-array pass.
    sealed class Tally(int pairs, int orderCount, Func<int, int> contextsAt, IReadOnlyList<int> orders)
    {
        readonly double[] sumAbs = new double[orderCount], sumSigned = new double[orderCount];
        readonly long[] contextCounts = new long[orderCount];
        readonly double[] pending = new double[4];
        long row;
        int group, sample, variant;
        double sum, full, empty;

        public void Add(double v)
        {
            long r = row++;
            if (r == 0) { full = v; return; }
            if (r == 1) { empty = v; return; }
            if (group >= pairs * orderCount) throw new InvalidOperationException("more rows than samples");
            pending[variant++] = v;
            if (variant < 4) return;
            variant = 0;
            sum += pending[3] - pending[1] - pending[2] + pending[0];
            int o = group % orderCount, k = contextsAt(orders[o]);
            if (++sample < k) return;
            double interaction = sum / k;
            sumAbs[o] += Math.Abs(interaction);
            sumSigned[o] += interaction;
            contextCounts[o] += k;
            sum = 0;
            sample = 0;
            group++;
        }

        public ImageInteractions Result(int index, int label, int pairCount)
        {
            if (group != pairs * orderCount || variant != 0) throw new InvalidOperationException("the row stream ended inside a sample");
            return new ImageInteractions(index, label, pairCount, contextCounts, sumAbs, sumSigned, full, empty);
        }
    }

    /// <summary>The pairs of image <paramref name="index"/>: all candidates when there are at most <paramref name="wanted"/>, else a seeded draw without replacement.</summary>
    internal static IReadOnlyList<(int I, int J)> DrawPairs(IReadOnlyList<(int I, int J)> candidates, int wanted, ulong seed, int index)
    {
        if (candidates.Count <= wanted) return candidates;
        var order = Enumerable.Range(0, candidates.Count).ToArray();
        var random = new SampleStream(seed, index, 1);
        for (int k = 0; k < wanted; k++)
        {
            int pick = k + random.Below(order.Length - k);
            (order[k], order[pick]) = (order[pick], order[k]);
        }
        return order.Take(wanted).Select(k => candidates[k]).ToArray();
    }

    /// <summary>
    /// The contexts of pair (i, j) at order <paramref name="m"/>: every m-subset of the other n − 2 players (in
    /// lexicographic order) when there are at most <paramref name="wanted"/>, else <paramref name="wanted"/> uniform
    /// independent draws seeded by (seed, image, i, j, m).
    /// </summary>
    internal static int[][] Contexts(int players, (int I, int J) pair, int m, int wanted, ulong seed, int index)
    {
        if (m < 0 || m > players - 2) throw new ArgumentOutOfRangeException(nameof(m), $"order {m} outside 0..{players - 2}");
        return ContextStream(players, pair, m, wanted, seed, index).ToArray();
    }

    // The contexts of Contexts, one at a time.
    static IEnumerable<int[]> ContextStream(int players, (int I, int J) pair, int m, int wanted, ulong seed, int index)
    {
        int[] others = Enumerable.Range(0, players).Where(p => p != pair.I && p != pair.J).ToArray();
        if (Binomial(others.Length, m, wanted) <= wanted)
        {
            foreach (int[] context in Combinations(others, m)) yield return context;
            yield break;
        }
        var random = new SampleStream(seed, index, 2, pair.I, pair.J, m);
        var scratch = new int[others.Length];
        for (int c = 0; c < wanted; c++)
        {
            others.CopyTo(scratch, 0);
            for (int k = 0; k < m; k++)
            {
                int pick = k + random.Below(scratch.Length - k);
                (scratch[k], scratch[pick]) = (scratch[pick], scratch[k]);
            }
            yield return scratch.AsSpan(0, m).ToArray();
        }
    }

    /// <summary>The rows (coalitions) an image costs: v(N), v(∅) and four per (pair, order, context) sample.</summary>
    public static long RowsPerImage(int players, int candidatePairs, IReadOnlyList<int> orders, InteractionSampling sampling) =>
        2 + 4L * Math.Min(candidatePairs, sampling.Pairs) * ContextsPerPair(players, orders, sampling.Contexts);

    /// <summary>Contexts each pair gets over <paramref name="orders"/>: per order, all C(n − 2, m) when there are at most <paramref name="contexts"/>, else <paramref name="contexts"/>.</summary>
    public static long ContextsPerPair(int players, IReadOnlyList<int> orders, int contexts) =>
        orders.Sum(m => Math.Min(Binomial(players - 2, m, contexts), contexts));

    // C(n, k), or anything above cap once it exceeds cap (so 62-choose-31 never overflows).
    internal static long Binomial(int n, int k, long cap)
    {
        k = Math.Min(k, n - k);
        long c = 1;
        for (int t = 1; t <= k; t++)
        {
            c = c * (n - k + t) / t; // exact: c·(n−k+t) is divisible by t at every step
            if (c > cap) return cap + 1;
        }
        return c;
    }

    static IEnumerable<int[]> Combinations(int[] items, int m)
    {
        var picks = Enumerable.Range(0, m).ToArray();
        while (true)
        {
            yield return picks.Select(p => items[p]).ToArray();
            int t = m - 1;
            while (t >= 0 && picks[t] == items.Length - m + t) t--;
            if (t < 0) yield break;
            picks[t]++;
            for (int u = t + 1; u < m; u++) picks[u] = picks[u - 1] + 1;
        }
    }
}
