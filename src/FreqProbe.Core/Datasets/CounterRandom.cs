namespace FreqProbe.Core.Datasets;

/// <summary>
/// Order-independent random numbers: each value is a pure function of (seed, index, stream), via the SplitMix64
/// finaliser, so images can be generated on any thread in any order and come out the same.
/// </summary>
internal static class CounterRandom
{
    /// <summary>SplitMix64's increment, the golden-ratio constant.</summary>
    public const ulong Gamma = 0x9E3779B97F4A7C15UL;

    /// <summary>SplitMix64's output function (the finaliser).</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A uniform double in [0, 1).</summary>
    public static double Uniform(ulong seed, long index, ulong stream)
    {
        ulong z = Mix((seed * Gamma ^ ((ulong)index << 20) ^ stream) + Gamma);
        return (z >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>A uniform double in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static double Between(ulong seed, long index, ulong stream, double low, double high) =>
        low + (high - low) * Uniform(seed, index, stream);

    /// <summary>
    /// A permutation of 0 … <paramref name="count"/> − 1 by Fisher–Yates, each swap drawn from (key, position, stream):
    /// the same (count, key, stream) always give the same permutation.
    /// </summary>
    public static int[] Permutation(int count, ulong key, ulong stream)
    {
        int[] order = Enumerable.Range(0, count).ToArray();
        for (int i = count - 1; i > 0; i--)
        {
            int j = Integer(key, i, stream, 0, i);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>An integer in [<paramref name="low"/>, <paramref name="high"/>].</summary>
    public static int Integer(ulong seed, long index, ulong stream, int low, int high) =>
        low + (int)Math.Min(high - low, Math.Floor(Uniform(seed, index, stream) * (high - low + 1)));
}
