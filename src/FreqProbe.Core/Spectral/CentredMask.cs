namespace FreqProbe.Core.Spectral;

/// <summary>
/// A filter's mask on the centred H×W grid: DC at row ⌊H/2⌋, column ⌊W/2⌋, u = i − ⌊H/2⌋, v = j − ⌊W/2⌋
/// (CONVENTIONS.md), computed in double precision. This is the reference definition that every faster path is
/// checked against.
/// </summary>
public sealed class CentredMask
{
    readonly double[] values;

    CentredMask(int height, int width, double[] values)
    {
        Height = height;
        Width = width;
        this.values = values;
    }

    /// <summary>Rows of the grid (the image height).</summary>
    public int Height { get; }

    /// <summary>Columns of the grid (the image width).</summary>
    public int Width { get; }

    /// <summary>The mask value at centred row <paramref name="i"/>, column <paramref name="j"/>.</summary>
    public double this[int i, int j] => values[i * Width + j];

    /// <summary>The fraction of coefficients kept: the mean of the mask.</summary>
    public double CoefficientsKept => values.Average();

    /// <summary>Builds the mask of <paramref name="filter"/> for an image of <paramref name="height"/>×<paramref name="width"/>.</summary>
    public static CentredMask Build(FrequencyFilter filter, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        var values = new double[height * width];
        for (int i = 0; i < height; i++)
        {
            for (int j = 0; j < width; j++)
            {
                values[i * width + j] = filter.Weight(filter.Distance(i - height / 2, j - width / 2));
            }
        }
        return new CentredMask(height, width, values);
    }

    /// <summary>
    /// The mask in the layout of an un-shifted <c>rfft2</c> half spectrum, H rows × (W/2 + 1) columns, row-major.
    /// Un-shifted index k sits at centred position (k + ⌊N/2⌋) mod N, as numpy's fftshift places it.
    /// </summary>
    public float[] ToHalfSpectrum()
    {
        int halfWidth = Width / 2 + 1;
        var half = new float[Height * halfWidth];
        for (int k = 0; k < Height; k++)
        {
            int i = (k + Height / 2) % Height;
            for (int l = 0; l < halfWidth; l++)
            {
                int j = (l + Width / 2) % Width;
                half[k * halfWidth + l] = (float)this[i, j];
            }
        }
        return half;
    }

    /// <summary>
    /// How many full-spectrum coefficients each half-spectrum column stands for: 1 for column 0 and, for even W,
    /// column W/2; 2 for the others, whose mirror images are not stored.
    /// </summary>
    public static double[] HalfSpectrumColumnMultiplicity(int width)
    {
        int halfWidth = width / 2 + 1;
        var weights = new double[halfWidth];
        for (int l = 0; l < halfWidth; l++)
        {
            bool selfMirrored = l == 0 || (width % 2 == 0 && l == width / 2);
            weights[l] = selfMirrored ? 1.0 : 2.0;
        }
        return weights;
    }
}
