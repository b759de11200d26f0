using FreqProbe.Core.Statistics;

namespace FreqProbe.Core.Sensitivity;

/// <summary>One whole-cycle annulus of the radial profile: r ≤ d &lt; r + 1.</summary>
/// <param name="Radius">r, in cycles per image.</param>
/// <param name="Coefficients">Grid cells in the annulus.</param>
/// <param name="Share">The annulus's share of the mean map's total.</param>
/// <param name="Density">Its mean per coefficient divided by the mean over the whole grid (1 for a flat spectrum).</param>
public sealed record ProfileBin(int Radius, int Coefficients, double Share, double Density);

/// <summary>A band's share of the sensitivity, with a bootstrap interval over images.</summary>
/// <param name="Name">low, middle or high.</param>
/// <param name="Range">The band in words, e.g. "d &lt; 5.33".</param>
/// <param name="Share">Σ over images of the band's sum ÷ Σ of the totals: the band's share of the mean map.</param>
/// <param name="Lower">2.5th percentile over bootstrap resamples of the images.</param>
/// <param name="Upper">97.5th percentile.</param>
public sealed record BandShare(string Name, string Range, double Share, double Lower, double Upper);

/// <summary>
/// The paper's three bands (Krishnamachari et al. 2023): low d &lt; N/6, middle N/6 ≤ d &lt; N/3, high d ≥ N/3, with d
/// the Euclidean distance from DC in cycles per image on the centred grid (CONVENTIONS); the radial profile in whole
/// cycles; and bootstrap intervals over images.
/// </summary>
public static class SensitivityBands
{
    /// <summary>The band names, low to high.</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { "low", "middle", "high" };

    /// <summary>Bootstrap resamples of the images for the band intervals.</summary>
    public const int Resamples = 1000;

    /// <summary>Distance from DC of cell (row, column) of the centred N×N grid.</summary>
    public static double Distance(int size, int cell)
    {
        int v = cell / size - size / 2, u = cell % size - size / 2;
        return Math.Sqrt((double)u * u + (double)v * v);
    }

    /// <summary>The band (0 low, 1 middle, 2 high) of every cell of the centred N×N grid.</summary>
    public static int[] BandOfCells(int size)
    {
        var band = new int[size * size];
        for (int cell = 0; cell < band.Length; cell++)
        {
            // 6·d compared with N avoids rounding N/6: d < N/6 ⇔ 36·d² < N².
            int v = cell / size - size / 2, u = cell % size - size / 2;
            long d2 = (long)u * u + (long)v * v, n2 = (long)size * size;
            band[cell] = 36 * d2 < n2 ? 0 : 9 * d2 < n2 ? 1 : 2;
        }
        return band;
    }

    /// <summary>The bands in words for an N×N grid.</summary>
    public static IReadOnlyList<string> Ranges(int size)
    {
        string sixth = (size / 6.0).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
        string third = (size / 3.0).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
        return new[] { $"d < {sixth}", $"{sixth} <= d < {third}", $"d >= {third}" };
    }

    /// <summary>The radial profile of <paramref name="result"/>'s map from its exact sums: one bin per whole cycle.</summary>
    public static IReadOnlyList<ProfileBin> Profile(SensitivityResult result)
    {
        int size = result.Size, cells = size * size;
        var bins = Enumerable.Range(0, cells).GroupBy(cell => (int)Math.Floor(Distance(size, cell))).OrderBy(g => g.Key).ToArray();
        double total = result.Map.Total(Enumerable.Range(0, cells)).Value(0);
        return bins.Select(bin =>
        {
            double sum = result.Map.Total(bin).Value(0);
            double share = total > 0 ? sum / total : 0;
            int count = bin.Count();
            return new ProfileBin(bin.Key, count, share, total > 0 ? share * cells / count : 0);
        }).ToArray();
    }

    /// <summary>
    /// The three band shares of <paramref name="images"/> (in dataset order) with percentile intervals over
    /// <see cref="Resamples"/> bootstrap resamples drawn from <paramref name="seed"/>; all NaN with no image.
    /// </summary>
    public static IReadOnlyList<BandShare> Shares(IReadOnlyList<ImageSensitivity> images, int size, ulong seed)
    {
        IReadOnlyList<string> ranges = Ranges(size);
        if (images.Count == 0) return Names.Select((name, k) => new BandShare(name, ranges[k], double.NaN, double.NaN, double.NaN)).ToArray();
        double[] point = ShareOf(images);
        // Resampling needs no exactness, only a fixed order: a generator seeded by the run's seed and the images.
        var random = new Random(unchecked((int)(seed ^ (seed >> 32)) ^ images.Count));
        var draws = new double[3][];
        for (int k = 0; k < 3; k++) draws[k] = new double[Resamples];
        for (int r = 0; r < Resamples; r++)
        {
            double l = 0, m = 0, h = 0;
            for (int i = 0; i < images.Count; i++)
            {
                ImageSensitivity image = images[random.Next(images.Count)];
                l += image.Low;
                m += image.Middle;
                h += image.High;
            }
            double t = l + m + h;
            draws[0][r] = l / t;
            draws[1][r] = m / t;
            draws[2][r] = h / t;
        }
        return Names.Select((name, k) =>
        {
            Array.Sort(draws[k]);
            return new BandShare(name, ranges[k], point[k], Percentile(draws[k], 0.025), Percentile(draws[k], 0.975));
        }).ToArray();
    }

    /// <summary>The three bands' shares of <paramref name="images"/>' summed maps (exact sums, so any order gives the same shares).</summary>
    public static double[] ShareOf(IEnumerable<ImageSensitivity> images)
    {
        var exact = new ExactSums(3);
        foreach (ImageSensitivity image in images)
        {
            exact.Add(0, image.Low);
            exact.Add(1, image.Middle);
            exact.Add(2, image.High);
        }
        double total = exact.Total(new[] { 0, 1, 2 }).Value(0);
        return new[] { exact.Value(0) / total, exact.Value(1) / total, exact.Value(2) / total };
    }

    static double Percentile(double[] sorted, double q)
    {
        double position = q * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(sorted.Length - 1, below + 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }
}
