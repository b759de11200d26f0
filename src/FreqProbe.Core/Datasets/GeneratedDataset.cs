namespace FreqProbe.Core.Datasets;

/// <summary>
/// A small procedurally generated 32×32 dataset for trying the tool without any files: class k is a cosine
/// grating at a class-specific frequency and orientation, with seed-determined phase, contrast and pixel noise.
/// It is a smoke-test input, not a benchmark.
/// </summary>
public sealed class GeneratedDataset : IImageDataset
{
    const int Side = 32;
    static readonly (int U, int V)[] ClassFrequencies = { (1, 0), (0, 1), (2, 2), (3, 0), (0, 4), (5, 5), (6, 0), (0, 8), (9, 3), (12, 0) };

    readonly ulong seed;

    /// <summary>Creates <paramref name="count"/> images from <paramref name="seed"/>.</summary>
    public GeneratedDataset(int count = 0, ulong seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Count = count > 0 ? count : 200;
        this.seed = seed;
    }

    /// <inheritdoc />
    public string Name => "generated";

    /// <inheritdoc />
    public string Source => $"generated gratings (seed {seed}, {Count} images)";

    /// <inheritdoc />
    public string Split => "";

    /// <inheritdoc />
    public int Count { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> ClassNames { get; } = ClassFrequencies.Select(f => $"grating({f.U},{f.V})").ToArray();

    /// <inheritdoc />
    public int LabelAt(int index) => index % ClassFrequencies.Length;

    /// <inheritdoc />
    public RgbImage Decode(int index)
    {
        (int u, int v) = ClassFrequencies[LabelAt(index)];
        double phase = 2 * Math.PI * Uniform(index, 0);
        double contrast = 0.2 + 0.2 * Uniform(index, 1);
        var pixels = new byte[Side * Side * 3];
        for (int y = 0; y < Side; y++)
        {
            for (int x = 0; x < Side; x++)
            {
                double wave = Math.Cos(2 * Math.PI * (u * y + v * x) / Side + phase);
                for (int c = 0; c < 3; c++)
                {
                    int cell = (y * Side + x) * 3 + c;
                    double noise = 0.1 * (Uniform(index, 2 + (ulong)cell) - 0.5);
                    double value = 0.5 + contrast * wave + noise;
                    pixels[cell] = (byte)Math.Clamp(Math.Round(value * 255), 0, 255);
                }
            }
        }
        return new RgbImage(Side, Side, pixels);
    }

    /// <inheritdoc />
    public string Describe(int index) => $"generated image {index}";

    double Uniform(int index, ulong stream) => CounterRandom.Uniform(seed, index, stream);

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
