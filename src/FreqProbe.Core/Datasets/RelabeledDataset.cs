namespace FreqProbe.Core.Datasets;

/// <summary>
/// A dataset whose labels are permuted by a fixed, seeded permutation (the random-label experiment of Zhang et al.
/// 2017 and Wang et al. 2020): image i keeps its pixels and takes the label of image π(i). Class frequencies stay
/// exactly as they were; the link between an image and its label is gone. Owns the inner dataset.
/// </summary>
public sealed class RelabeledDataset : IImageDataset
{
    readonly IImageDataset inner;
    readonly int[] source;

    /// <summary>Permutes the labels of <paramref name="inner"/> with the permutation drawn from <paramref name="seed"/>.</summary>
    public RelabeledDataset(IImageDataset inner, ulong seed)
    {
        this.inner = inner;
        Seed = seed;
        source = CounterRandom.Permutation(inner.Count, seed * 2_147_483_647UL + 17, 97);
    }

    /// <summary>The seed of the permutation.</summary>
    public ulong Seed { get; }

    /// <summary>The image whose label image <paramref name="index"/> carries.</summary>
    public int LabelSource(int index) => source[index];

    /// <summary>What was done to the labels, for model cards and messages.</summary>
    public string Description => $"labels permuted at random (seed {Seed}; image i takes the label of image pi(i) among all {Count})";

    /// <inheritdoc />
    public string Name => inner.Name;
    /// <inheritdoc />
    public string Source => inner.Source;
    /// <inheritdoc />
    public string Split => inner.Split;
    /// <inheritdoc />
    public int Count => inner.Count;
    /// <inheritdoc />
    public IReadOnlyList<string> ClassNames => inner.ClassNames;
    /// <inheritdoc />
    public int LabelAt(int index) => inner.LabelAt(source[index]);
    /// <inheritdoc />
    public RgbImage Decode(int index) => inner.Decode(index);
    /// <inheritdoc />
    public void Prepare(int index, PreprocessPolicy policy, Span<byte> destination) => inner.Prepare(index, policy, destination);
    /// <inheritdoc />
    public string Describe(int index) => inner.Describe(index);
    /// <inheritdoc />
    public string ContentStamp() => inner.ContentStamp();
    /// <inheritdoc />
    public ulong? SourceHash(int index) => inner.SourceHash(index);
    /// <inheritdoc />
    public void Dispose() => inner.Dispose();
}
