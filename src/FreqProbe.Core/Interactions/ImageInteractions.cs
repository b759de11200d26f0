namespace FreqProbe.Core.Interactions;

/// <summary>
/// One image's interaction estimates, per order (in <see cref="InteractionResult.Orders"/> order): the sums over its
/// sampled pairs of |I^(m)(i,j)| and of I^(m)(i,j), where I is the mean of Δv over the pair's contexts.
/// </summary>
/// <param name="Index">Dataset index.</param>
/// <param name="Label">True class.</param>
/// <param name="Pairs">Pairs sampled.</param>
/// <param name="Contexts">Contexts evaluated per order, summed over the pairs.</param>
/// <param name="SumAbs">Σ over pairs of |I^(m)(i,j)|, per order.</param>
/// <param name="SumSigned">Σ over pairs of I^(m)(i,j), per order.</param>
/// <param name="FullValue">v(N): every player present (the image itself).</param>
/// <param name="EmptyValue">v(∅): every player absent.</param>
public sealed record ImageInteractions(int Index, int Label, int Pairs, long[] Contexts, double[] SumAbs, double[] SumSigned, double FullValue, double EmptyValue);
