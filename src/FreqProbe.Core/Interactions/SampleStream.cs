using static FreqProbe.Core.Datasets.CounterRandom;

namespace FreqProbe.Core.Interactions;

/// <summary>
/// A sequence of random numbers that is a pure function of its key (seed, image, and what it is drawn for): SplitMix64
/// seeded by hashing the key with CounterRandom's finaliser, so the samples of an image never depend on batch size,
/// threads or shard.
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
