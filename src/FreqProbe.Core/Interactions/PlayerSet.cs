using System.Globalization;
using FreqProbe.Core.Spectral;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Interactions;

/// <summary>Where a player set masks an image: its pixels (after normalisation) or its spectrum (before it).</summary>
public enum PlayerDomain
{
    /// <summary>Players are pixel regions of the normalised model input; an absent one is 0, the dataset mean.</summary>
    Pixels,

    /// <summary>Players are regions of the [0,1] image's centred spectrum; an absent one's coefficients are zeroed.</summary>
    Spectrum,
}

/// <summary>
/// The players of an interaction game on one model-input size: a partition of the image's pixels (patches) or of its
/// centred spectrum (annular bands) into <see cref="Count"/> disjoint parts, and the pairs of players whose interactions
/// are estimated. A coalition S is a 0/1 presence vector over the players; its model input keeps what the players in S
/// cover and removes the rest (CONVENTIONS.md, multi-order interactions).
/// </summary>
public sealed class PlayerSet
{
    readonly int[] playerOf;   // the player covering each cell: pixel y·S + x, or un-shifted half-spectrum cell k·(S/2+1) + l

    PlayerSet(string kind, PlayerDomain domain, int size, int count, int[] playerOf, IReadOnlyList<(int I, int J)> pairs, string description,
        IReadOnlyList<double>? bandEdges)
    {
        Kind = kind;
        Domain = domain;
        Size = size;
        Count = count;
        this.playerOf = playerOf;
        CandidatePairs = pairs;
        Description = description;
        BandEdges = bandEdges;
    }

    /// <summary>"patches" or "bands".</summary>
    public string Kind { get; }

    /// <summary>Where the players mask the image.</summary>
    public PlayerDomain Domain { get; }

    /// <summary>The model-input side in pixels.</summary>
    public int Size { get; }

    /// <summary>The number of players n.</summary>
    public int Count { get; }

    /// <summary>The pairs (i, j), i &lt; j, that may be sampled: neighbours for patches, every pair for bands.</summary>
    public IReadOnlyList<(int I, int J)> CandidatePairs { get; }

    /// <summary>The players in words, as recorded in results.</summary>
    public string Description { get; }

    /// <summary>For bands: the B + 1 radii (cycles per image) between which band b keeps edge[b] ≤ d &lt; edge[b+1]; the last is the corner. Null for patches.</summary>
    public IReadOnlyList<double>? BandEdges { get; }

    /// <summary>The player that covers cell <paramref name="cell"/> (a pixel, or an un-shifted half-spectrum coefficient for bands).</summary>
    public int PlayerOf(int cell) => playerOf[cell];

    /// <summary>The number of cells: S·S pixels, or S·(S/2+1) half-spectrum coefficients for bands.</summary>
    public int Cells => playerOf.Length;

    /// <summary>The Chebyshev radius within which two patches are neighbours (Deng et al. 2022).</summary>
    public const int NeighbourRadius = 2;

    /// <summary>
    /// A <paramref name="grid"/>×<paramref name="grid"/> grid of patches on a <paramref name="size"/>-pixel input: pixel
    /// (y, x) belongs to patch (⌊y·G/S⌋, ⌊x·G/S⌋), numbered row-major. Pairs are patches within Chebyshev distance 2 on the grid.
    /// </summary>
    public static PlayerSet Patches(int grid, int size)
    {
        if (grid < 2 || grid > size) throw new InputException("grid", $"{grid} must be between 2 and the input size {size}.");
        var playerOf = new int[size * size];
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++) playerOf[y * size + x] = (int)((long)y * grid / size) * grid + (int)((long)x * grid / size);
        }
        var pairs = new List<(int, int)>();
        int n = grid * grid;
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                if (Math.Max(Math.Abs(i / grid - j / grid), Math.Abs(i % grid - j % grid)) <= NeighbourRadius) pairs.Add((i, j));
            }
        }
        string cell = size % grid == 0 ? $"{size / grid}x{size / grid} pixels each" : $"about {(double)size / grid:0.#} pixels a side";
        return new PlayerSet("patches", PlayerDomain.Pixels, size, n, playerOf, pairs,
            $"{grid}x{grid} patches ({cell}) of the normalised {size}x{size} input; absent = 0 (the dataset mean); pairs within Chebyshev distance {NeighbourRadius}", null);
    }

    /// <summary>
    /// <paramref name="count"/> annuli of the centred spectrum of a <paramref name="size"/>-pixel input, of equal width
    /// in radius from DC to the farthest corner R: band b keeps b·R/B ≤ d &lt; (b+1)·R/B (the last band also keeps the
    /// corner), each the ideal circular band-pass of FreqProbe's filter engine. Every pair may be sampled.
    /// </summary>
    public static PlayerSet Bands(int count, int size)
    {
        if (count < 2) throw new InputException("band-count", $"{count} must be 2 or more.");
        // The farthest frequency from DC on the centred grid is (−⌊S/2⌋, −⌊S/2⌋), for even and odd S.
        int half = size / 2;
        double corner = Math.Sqrt((double)half * half + (double)half * half);
        var edges = Enumerable.Range(0, count + 1).Select(b => b == count ? corner : corner * b / count).ToArray();
        int halfWidth = size / 2 + 1;
        var playerOf = Enumerable.Repeat(-1, size * halfWidth).ToArray();
        for (int b = 0; b < count; b++)
        {
            // The last band reaches past the corner so that the corner itself (d = R) is kept.
            FrequencyFilter band = FrequencyFilter.BandPass(edges[b], b == count - 1 ? corner + 1 : edges[b + 1]);
            float[] mask = CentredMask.Build(band, size, size).ToHalfSpectrum();
            for (int c = 0; c < mask.Length; c++)
            {
                if (mask[c] == 0) continue;
                if (playerOf[c] >= 0) throw new InvalidOperationException($"bands {playerOf[c]} and {b} overlap at cell {c}");
                playerOf[c] = b;
            }
        }
        int empty = Array.IndexOf(playerOf, -1);
        if (empty >= 0) throw new InvalidOperationException($"half-spectrum cell {empty} is in no band");
        int[] sizes = new int[count];
        foreach (int p in playerOf) sizes[p]++;
        if (sizes.Any(s => s == 0))
        {
            throw new InputException("band-count", $"{count} bands on a {size}x{size} input leave band {Array.IndexOf(sizes, 0)} without a coefficient; " +
                "expected fewer bands.");
        }
        var pairs = new List<(int, int)>();
        for (int i = 0; i < count; i++) for (int j = i + 1; j < count; j++) pairs.Add((i, j));
        return new PlayerSet("bands", PlayerDomain.Spectrum, size, count, playerOf, pairs, string.Create(CultureInfo.InvariantCulture,
            $"{count} annular bands of equal width {corner / count:0.###} cycles per image, from DC to the corner {corner:0.###}, of the centred spectrum of the [0,1] " +
            $"{size}x{size} input; absent = coefficients zeroed before the inverse DFT (ideal circular band-pass masks, no clipping), then normalised; any pair"), edges);
    }

    /// <summary>The partition as a [n, cells] 0/1 float32 matrix on <paramref name="device"/>: presence [F, n] times it is F masks.</summary>
    public Tensor Partition(Device device)
    {
        var data = new float[Count * Cells];
        for (int c = 0; c < Cells; c++) data[playerOf[c] * Cells + c] = 1f;
        return tensor(data, new long[] { Count, Cells }).to(device);
    }
}
