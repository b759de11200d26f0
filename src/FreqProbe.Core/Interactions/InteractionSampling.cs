namespace FreqProbe.Core.Interactions;

/// <summary>How interactions are sampled for each image.</summary>
/// <param name="Pairs">Pairs (i, j) per image, drawn without replacement from the candidates; all of them when there are no more.</param>
/// <param name="Contexts">Contexts S per pair and order, drawn uniformly and independently; when C(n−2, m) ≤ this, every context is used once instead (exact).</param>
/// <param name="Ratios">Order ratios ρ: m = int((n − 2)·ρ).</param>
/// <param name="Seed">Seed; every sample is a function of it and the image's dataset index only.</param>
public sealed record InteractionSampling(int Pairs, int Contexts, IReadOnlyList<double> Ratios, ulong Seed)
{
    /// <summary>The paper's sampling (Deng et al. 2022, smaller than their 100 images to keep CPU runs short): 50 pairs, 32 contexts, the 13 ratios.</summary>
    public static InteractionSampling Default(ulong seed) => new(50, 32, InteractionOrders.DefaultRatios, seed);
}
