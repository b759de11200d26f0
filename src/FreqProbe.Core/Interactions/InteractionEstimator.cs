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
        // The samples in (pair, order, context) order, and how many contexts each (pair, order) has.
        var flat = new List<(int I, int J, int[] Context)>();
        var counts = new int[pairs.Count * orders.Count];
        for (int p = 0; p < pairs.Count; p++)
        {
            for (int o = 0; o < orders.Count; o++)
            {
                int[][] contexts = Contexts(players, pairs[p], orders[o], sampling.Contexts, sampling.Seed, index);
                counts[p * orders.Count + o] = contexts.Length;
                foreach (int[] context in contexts) flat.Add((pairs[p].I, pairs[p].J, context));
            }
        }

        long rows = 2 + 4L * flat.Count;
        var values = new double[rows];
        var presence = new float[rowsPerCall * players];
        for (long first = 0; first < rows; first += rowsPerCall)
        {
            cancellation.ThrowIfCancellationRequested();
            int count = (int)Math.Min(rowsPerCall, rows - first);
            Array.Clear(presence);
            for (int r = 0; r < count; r++) Fill(presence.AsSpan(r * players, players), first + r, flat);
            double[] v = value(presence, count);
            if (v.Length < count) throw new InvalidOperationException($"the value function returned {v.Length} values for {count} rows");
            Array.Copy(v, 0, values, first, count);
            rowsDone?.Invoke(count);
        }

        var sumAbs = new double[orders.Count];
        var sumSigned = new double[orders.Count];
        var contextCounts = new long[orders.Count];
        long row = 2;
        for (int p = 0; p < pairs.Count; p++)
        {
            for (int o = 0; o < orders.Count; o++)
            {
                int k = counts[p * orders.Count + o];
                double sum = 0;
                for (int c = 0; c < k; c++, row += 4) sum += values[row + 3] - values[row + 1] - values[row + 2] + values[row];
                double interaction = sum / k;
                sumAbs[o] += Math.Abs(interaction);
                sumSigned[o] += interaction;
                contextCounts[o] += k;
            }
        }
        return new ImageInteractions(index, label, pairs.Count, contextCounts, sumAbs, sumSigned, values[0], values[1]);
    }

    // Row 0 is N, row 1 is ∅; then per sample S, S∪{i}, S∪{j}, S∪{i,j}.
    static void Fill(Span<float> row, long r, List<(int I, int J, int[] Context)> flat)
    {
        if (r == 0)
        {
            row.Fill(1f);
            return;
        }
        if (r == 1) return;
        var (i, j, context) = flat[(int)((r - 2) / 4)];
        foreach (int player in context) row[player] = 1f;
        int variant = (int)((r - 2) % 4);
        if (variant is 1 or 3) row[i] = 1f;
        if (variant is 2 or 3) row[j] = 1f;
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
        int[] others = Enumerable.Range(0, players).Where(p => p != pair.I && p != pair.J).ToArray();
        if (m < 0 || m > others.Length) throw new ArgumentOutOfRangeException(nameof(m), $"order {m} outside 0..{others.Length}");
        if (Binomial(others.Length, m, wanted) <= wanted) return Combinations(others, m).ToArray();
        var contexts = new int[wanted][];
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
            contexts[c] = scratch.AsSpan(0, m).ToArray();
        }
        return contexts;
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
