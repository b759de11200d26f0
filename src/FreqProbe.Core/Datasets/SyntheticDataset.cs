namespace FreqProbe.Core.Datasets;

/// <summary>
/// The built-in known-answer dataset: 32×32 RGB, 10 classes, generated from a seed. Classes 0–4 are <b>shapes</b>
/// that differ only at low frequencies (large soft-edged blobs and bars at random position, scale and colour on a
/// smooth background); classes 5–9 are <b>textures</b> that differ only at high frequencies (gratings and checks at
/// 10 or more cycles per image, in different orientations, on the same kind of smooth background). Every image
/// also gets faint pixel noise that carries no class information. Every class is closed under horizontal flips, so
/// flip augmentation never turns one class into another. So a low-pass at a small radius should keep the
/// shape classes recognisable and reduce the textures to chance, and a high-pass the reverse.
/// </summary>
public sealed class SyntheticDataset : IImageDataset
{
    /// <summary>Default size of the train split.</summary>
    public const int DefaultTrainCount = 10_000;

    /// <summary>Default size of the test split.</summary>
    public const int DefaultTestCount = 2_000;

    /// <summary>The lowest texture frequency, in cycles per image (Euclidean distance from DC).</summary>
    public const double LowestTextureFrequency = 10;

    const int Side = 32;
    const double EdgeSoftness = 1.2; // logistic edge scale in pixels: shapes carry almost nothing above ~8 cycles/image

    static readonly string[] Names =
    {
        "shape:blob", "shape:two-blobs-horizontal", "shape:two-blobs-vertical", "shape:bar-horizontal", "shape:bar-vertical",
        "texture:stripes-vertical", "texture:stripes-horizontal", "texture:checks", "texture:plaid", "texture:hex-dots",
    };

    readonly ulong seed;

    /// <summary>Creates a split of <paramref name="count"/> images; train and test draw from different seeds.</summary>
    public SyntheticDataset(string split = "test", int count = 0, ulong seed = 0)
    {
        if (split is not ("train" or "test")) throw new InputException("split", $"'{split}' is not a synthetic split; expected test or train.");
        Split = split;
        Count = count > 0 ? count : split == "train" ? DefaultTrainCount : DefaultTestCount;
        this.seed = seed * 2 + (split == "train" ? 1UL : 0UL) + 0x5EED;
    }

    /// <inheritdoc />
    public string Name => "synthetic";

    /// <inheritdoc />
    public string Source => $"built-in synthetic shapes/textures ({Split}, {Count} images)";

    /// <inheritdoc />
    public string Split { get; }

    /// <inheritdoc />
    public int Count { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> ClassNames => Names;

    /// <summary>True for the shape classes 0–4, which only low frequencies tell apart.</summary>
    public static bool IsShapeClass(int label) => label < 5;

    /// <inheritdoc />
    public int LabelAt(int index) => CounterRandom.Integer(seed, index, 0, 0, 9);

    /// <inheritdoc />
    public string Describe(int index) => $"synthetic {Split} image {index}";

    /// <inheritdoc />
    public string ContentStamp() => "";

    /// <inheritdoc />
    public ulong? SourceHash(int index) => null;

    /// <inheritdoc />
    public RgbImage Decode(int index)
    {
        int label = LabelAt(index);
        var planes = new double[3, Side, Side];
        Background(index, planes);
        if (IsShapeClass(label)) Shape(index, label, planes); else Texture(index, label, planes);
        var pixels = new byte[Side * Side * 3];
        for (int y = 0; y < Side; y++)
        {
            for (int x = 0; x < Side; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    int cell = (y * Side + x) * 3 + c;
                    double noise = CounterRandom.Between(seed, index, 1000 + (ulong)cell, -0.03, 0.03);
                    pixels[cell] = (byte)Math.Clamp(Math.Round((planes[c, y, x] + noise) * 255), 0, 255);
                }
            }
        }
        return new RgbImage(Side, Side, pixels);
    }

    double R(int index, ulong stream, double low, double high) => CounterRandom.Between(seed, index, stream, low, high);

    // A smooth linear gradient per channel: only the lowest frequencies, with the same distribution for every class.
    void Background(int index, double[,,] planes)
    {
        for (int c = 0; c < 3; c++)
        {
            double level = R(index, 10 + (ulong)c, 0.3, 0.7);
            double gx = R(index, 20 + (ulong)c, -0.15, 0.15), gy = R(index, 30 + (ulong)c, -0.15, 0.15);
            for (int y = 0; y < Side; y++)
            {
                for (int x = 0; x < Side; x++) planes[c, y, x] = level + gx * (x - 15.5) / Side + gy * (y - 15.5) / Side;
            }
        }
    }

    void Shape(int index, int label, double[,,] planes)
    {
        double cx = 15.5 + R(index, 40, -4, 4), cy = 15.5 + R(index, 41, -4, 4), scale = R(index, 42, 0.8, 1.2);
        var colour = new double[3];
        for (int c = 0; c < 3; c++)
        {
            // Move away from the background level, so the shape's contrast is never lost to clipping at 0 or 1.
            double sign = planes[c, 16, 16] < 0.5 ? 1 : -1;
            colour[c] = sign * R(index, 60 + (ulong)c, 0.3, 0.45);
        }
        for (int y = 0; y < Side; y++)
        {
            for (int x = 0; x < Side; x++)
            {
                double dx = x - cx, dy = y - cy;
                // Signed distance to the shape's edge, negative inside.
                double distance = label switch
                {
                    0 => Math.Sqrt(dx * dx + dy * dy) - 8 * scale,
                    1 => Math.Min(Math.Sqrt((dx - 7 * scale) * (dx - 7 * scale) + dy * dy), Math.Sqrt((dx + 7 * scale) * (dx + 7 * scale) + dy * dy)) - 5 * scale,
                    2 => Math.Min(Math.Sqrt(dx * dx + (dy - 7 * scale) * (dy - 7 * scale)), Math.Sqrt(dx * dx + (dy + 7 * scale) * (dy + 7 * scale))) - 5 * scale,
                    3 => Math.Max(Math.Abs(dx) - 11 * scale, Math.Abs(dy) - 3.5 * scale),
                    _ => Math.Max(Math.Abs(dx) - 3.5 * scale, Math.Abs(dy) - 11 * scale),
                };
                double inside = 1 / (1 + Math.Exp(distance / EdgeSoftness));
                for (int c = 0; c < 3; c++) planes[c, y, x] += colour[c] * inside;
            }
        }
    }

    // Integer frequencies put each pattern on exact DFT bins, so nothing leaks below 10 cycles per image. Distances
    // from DC: stripes and plaid f (10–14); checks f·√2 (f = 8–10, so 11.3–14.1); hex dots √(f² + 0) and √(6² + 10²) ≈ 11.7.
    void Texture(int index, int label, double[,,] planes)
    {
        int f = label == 7 ? CounterRandom.Integer(seed, index, 70, 8, 10) : CounterRandom.Integer(seed, index, 70, 10, 14);
        double phase1 = R(index, 71, 0, 2 * Math.PI), phase2 = R(index, 72, 0, 2 * Math.PI), phase3 = R(index, 73, 0, 2 * Math.PI);
        var amplitude = new double[3];
        for (int c = 0; c < 3; c++) amplitude[c] = R(index, 80 + (ulong)c, 0.12, 0.22);
        for (int y = 0; y < Side; y++)
        {
            for (int x = 0; x < Side; x++)
            {
                double u = 2 * Math.PI * x / Side, v = 2 * Math.PI * y / Side;
                double pattern = label switch
                {
                    5 => Math.Cos(f * u + phase1),
                    6 => Math.Cos(f * v + phase1),
                    7 => 1.4 * Math.Cos(f * u + phase1) * Math.Cos(f * v + phase2),
                    8 => 0.7 * (Math.Cos(f * u + phase1) + Math.Cos(f * v + phase2)),
                    // Three gratings about 60° apart: (12, 0), (6, 10) and (6, −10); a flip swaps the last two.
                    _ => 0.6 * (Math.Cos(12 * u + phase1) + Math.Cos(6 * u + 10 * v + phase2) + Math.Cos(6 * u - 10 * v + phase3)),
                };
                for (int c = 0; c < 3; c++) planes[c, y, x] += amplitude[c] * pattern;
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
