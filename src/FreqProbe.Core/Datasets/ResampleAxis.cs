namespace FreqProbe.Core.Datasets;

/// <summary>
/// One axis of an antialiased 8-bit resize in PIL's fixed-point arithmetic: for each output position a run of input
/// taps with integer weights of <see cref="PrecisionBits"/> fractional bits. The filter (triangle for bilinear, Keys
/// cubic a = -0.5 for bicubic) is widened by the scale when shrinking, so every input pixel contributes; each output is
/// rounded and clamped to a byte, as PIL's <c>Image.resize</c> (and so torchvision's PIL path) does after each pass.
/// Only the positions <c>[start, start + count)</c> of the full output are built, so a centre crop costs nothing extra.
/// </summary>
internal sealed class ResampleAxis
{
    /// <summary>Fractional bits of the weights (PIL: 32 − 8 − 2).</summary>
    public const int PrecisionBits = 22;

    ResampleAxis(int[] first, int[] count, int[] weights, int width)
    {
        First = first;
        Count = count;
        Weights = weights;
        Width = width;
        Lowest = first.Min();
        End = first.Select((f, i) => f + count[i]).Max();
    }

    /// <summary>First input position of each output.</summary>
    public int[] First { get; }

    /// <summary>Number of taps of each output.</summary>
    public int[] Count { get; }

    /// <summary>Fixed-point weights, <see cref="Width"/> per output.</summary>
    public int[] Weights { get; }

    /// <summary>Stride of <see cref="Weights"/>: the most taps any output has.</summary>
    public int Width { get; }

    /// <summary>The lowest input position read.</summary>
    public int Lowest { get; }

    /// <summary>One past the highest input position read.</summary>
    public int End { get; }

    /// <summary>Outputs <paramref name="start"/>..<paramref name="start"/>+<paramref name="count"/> of resizing <paramref name="inSize"/> to <paramref name="outSize"/>.</summary>
    public static ResampleAxis Build(int inSize, int outSize, int start, int count, ResizeInterpolation interpolation)
    {
        double scale = (double)inSize / outSize;
        double widen = Math.Max(scale, 1.0);
        double support = (interpolation == ResizeInterpolation.Bicubic ? 2.0 : 1.0) * widen;
        int width = (int)Math.Ceiling(support) * 2 + 1;
        var first = new int[count];
        var taps = new int[count];
        var weights = new int[count * width];
        var w = new double[width];
        for (int o = 0; o < count; o++)
        {
            double centre = (start + o + 0.5) * scale;
            int lo = Math.Max(0, (int)(centre - support + 0.5));
            int hi = Math.Min(inSize, (int)(centre + support + 0.5));
            int n = hi - lo;
            double total = 0;
            for (int k = 0; k < n; k++)
            {
                double t = Math.Abs((lo + k - centre + 0.5) / widen);
                w[k] = interpolation == ResizeInterpolation.Bicubic ? Cubic(t) : t < 1 ? 1 - t : 0;
                total += w[k];
            }
            for (int k = 0; k < n; k++)
            {
                double normalised = total != 0 ? w[k] / total : 0;
                // PIL rounds each weight half away from zero.
                weights[o * width + k] = (int)(normalised < 0 ? -0.5 + normalised * (1 << PrecisionBits) : 0.5 + normalised * (1 << PrecisionBits));
            }
            first[o] = lo;
            taps[o] = n;
        }
        return new ResampleAxis(first, taps, weights, width);
    }

    /// <summary>Rounds a fixed-point sum (which started at half a unit) to a byte, clamping.</summary>
    public static int ToByte(int sum) => Math.Clamp(sum >> PrecisionBits, 0, 255);

    /// <summary>Half a unit: where every sum starts, so that the shift rounds.</summary>
    public const int Half = 1 << (PrecisionBits - 1);

    // Keys (1981) cubic convolution kernel with a = -0.5, as PIL's and torch's bicubic filters.
    static double Cubic(double t)
    {
        const double a = -0.5;
        if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
        if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
        return 0;
    }
}
