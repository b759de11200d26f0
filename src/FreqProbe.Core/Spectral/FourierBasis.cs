namespace FreqProbe.Core.Spectral;

/// <summary>
/// Real Fourier basis images for Fourier heat maps (Yin et al. 2019). On the centred grid of an N×N image (u, v in
/// cycles per image, −N/2 ≤ u, v &lt; N/2; u runs along columns, v along rows), U(u, v)[y, x] is
/// cos(2π(u·x + v·y)/N) scaled to unit L2 norm. It is the real part of the inverse DFT of a spike at (u, v) and its mirror
/// (−u, −v), so U(u, v) = U(−u, −v): a heat map is symmetric and only a half-plane needs computing.
/// </summary>
public static class FourierBasis
{
    /// <summary>The basis image for (u, v) on an N×N grid, row-major, unit L2 norm.</summary>
    public static float[] Image(int u, int v, int size)
    {
        var pixels = new double[size * size];
        double norm = 0;
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                double value = Math.Cos(2 * Math.PI * ((double)u * x + (double)v * y) / size);
                pixels[y * size + x] = value;
                norm += value * value;
            }
        }
        double scale = 1 / Math.Sqrt(norm);
        return pixels.Select(p => (float)(p * scale)).ToArray();
    }

    /// <summary>The frequency that (u, v) equals after mirroring: (−u, −v) wrapped into [−N/2, N/2).</summary>
    public static (int U, int V) Mirror(int u, int v, int size) => (Wrap(-u, size), Wrap(-v, size));

    /// <summary>
    /// One representative of every mirror pair {(u, v), (−u, −v)} with |u|, |v| ≤ <paramref name="maxFrequency"/>: the
    /// first of the pair in row-major order (v, then u). Self-mirrored frequencies (DC and the Nyquist ones) appear once.
    /// </summary>
    public static IReadOnlyList<(int U, int V)> HalfPlane(int size, int maxFrequency)
    {
        var result = new List<(int, int)>();
        int low = -size / 2, high = size - size / 2 - 1;
        for (int v = low; v <= high; v++)
        {
            for (int u = low; u <= high; u++)
            {
                if (Math.Abs(u) > maxFrequency || Math.Abs(v) > maxFrequency) continue;
                (int mu, int mv) = Mirror(u, v, size);
                if (mv > v || (mv == v && mu >= u)) result.Add((u, v));
            }
        }
        return result;
    }

    static int Wrap(int k, int size)
    {
        int low = -size / 2;
        return ((k - low) % size + size) % size + low;
    }
}
