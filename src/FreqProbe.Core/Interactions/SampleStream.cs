namespace FreqProbe.Core.Interactions;

/// <summary>
/// A sequence of random numbers that is a pure function of its key (seed, image, and what it is drawn for): SplitMix64
/// seeded by hashing the key, so the samples of an image never depend on batch size, threads or shard.
/// </summary>
internal struct SampleStream
{
    ulong state;

    public SampleStream(ulong seed, params long[] key)
    {
        ulong h = Mix(seed + Gamma);
        foreach (long k in key) h = Mix((h + Gamma) ^ (ulong)k);
        state = h;
    }

    const ulong Gamma = 0x9E3779B97F4A7C15UL;

    // SplitMix64's output function.
    static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A uniform integer in [0, <paramref name="bound"/>), by rejection so that it is unbiased.</summary>
    public int Below(int bound)
    {
        ulong limit = ulong.MaxValue - ulong.MaxValue % (ulong)bound;
        while (true)
        {
            state += Gamma;
            ulong draw = Mix(state);
            if (draw < limit) return (int)(draw % (ulong)bound);
        }
    }
}
