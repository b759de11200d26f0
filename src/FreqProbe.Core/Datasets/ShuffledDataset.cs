namespace FreqProbe.Core.Datasets;

/// <summary>
/// A view of the first <c>count</c> images of a dataset in a seeded random order for one epoch (Fisher–Yates with
/// counter-based random numbers). Indices reported by batches are positions in the view; labels and images are the
/// underlying dataset's. Does not own the dataset.
/// </summary>
public sealed class ShuffledDataset : IImageDataset
{
    readonly IImageDataset inner;
    readonly int[] order;

    /// <summary>Shuffles the first <paramref name="count"/> images of <paramref name="inner"/> for <paramref name="epoch"/>.</summary>
    public ShuffledDataset(IImageDataset inner, int count, ulong seed, int epoch)
    {
        this.inner = inner;
        order = CounterRandom.Permutation(count, seed * 104729UL + (ulong)epoch, 99);
    }

    /// <inheritdoc />
    public string Name => inner.Name;
    /// <inheritdoc />
    public string Source => inner.Source;
    /// <inheritdoc />
    public string Split => inner.Split;
    /// <inheritdoc />
    public int Count => order.Length;
    /// <inheritdoc />
    public IReadOnlyList<string> ClassNames => inner.ClassNames;
    /// <inheritdoc />
    public int LabelAt(int index) => inner.LabelAt(order[index]);
    /// <inheritdoc />
    public RgbImage Decode(int index) => inner.Decode(order[index]);
    /// <inheritdoc />
    public void Prepare(int index, PreprocessPolicy policy, Span<byte> destination) => inner.Prepare(order[index], policy, destination);
    /// <inheritdoc />
    public string Describe(int index) => inner.Describe(order[index]);
    /// <inheritdoc />
    public string ContentStamp() => inner.ContentStamp();
    /// <inheritdoc />
    public ulong? SourceHash(int index) => inner.SourceHash(order[index]);
    /// <inheritdoc />
    public void Dispose()
    {
    }
}
