using System.Numerics;
using MathNet.Numerics.IntegralTransforms;

namespace FreqProbe.Core.Tests.Spectral;

/// <summary>
/// An independent implementation of CONVENTIONS.md on MathNet.Numerics' FFT: DFT, numpy-style fftshift (a roll by
/// ⌊N/2⌋), a mask given on the centred (u, v) grid, inverse shift, inverse DFT, real part.
/// </summary>
internal static class ReferenceFilter
{
    public static double[] Apply(double[] plane, int h, int w, Func<int, int, double> maskAtUv) =>
        Run(plane, h, w, maskAtUv).Filtered;

    public static double EnergyKept(double[] plane, int h, int w, Func<int, int, double> maskAtUv)
    {
        Complex[] centred = Run(plane, h, w, maskAtUv).Centred;
        double kept = 0, total = 0;
        for (int i = 0; i < h; i++)
        {
            for (int j = 0; j < w; j++)
            {
                double p = centred[i * w + j].Magnitude * centred[i * w + j].Magnitude;
                double m = maskAtUv(i - h / 2, j - w / 2);
                kept += p * m * m;
                total += p;
            }
        }
        return kept / total;
    }

    static (double[] Filtered, Complex[] Centred) Run(double[] plane, int h, int w, Func<int, int, double> maskAtUv)
    {
        Complex[] data = plane.Select(v => new Complex(v, 0)).ToArray();
        Transform2D(data, h, w, inverse: false);
        Complex[] centred = Roll(data, h, w, h / 2, w / 2);
        Complex[] masked = new Complex[centred.Length];
        for (int i = 0; i < h; i++)
        {
            for (int j = 0; j < w; j++) masked[i * w + j] = centred[i * w + j] * maskAtUv(i - h / 2, j - w / 2);
        }
        Complex[] back = Roll(masked, h, w, -(h / 2), -(w / 2));
        Transform2D(back, h, w, inverse: true);
        return (back.Select(c => c.Real).ToArray(), centred);
    }

    // A 2-D DFT as 1-D DFTs over every row, then every column (MathNet's managed provider has no 2-D transform).
    static void Transform2D(Complex[] data, int h, int w, bool inverse)
    {
        void Line(Complex[] line)
        {
            if (inverse) Fourier.Inverse(line, FourierOptions.Matlab); else Fourier.Forward(line, FourierOptions.Matlab);
        }
        var row = new Complex[w];
        for (int i = 0; i < h; i++)
        {
            Array.Copy(data, i * w, row, 0, w);
            Line(row);
            Array.Copy(row, 0, data, i * w, w);
        }
        var column = new Complex[h];
        for (int j = 0; j < w; j++)
        {
            for (int i = 0; i < h; i++) column[i] = data[i * w + j];
            Line(column);
            for (int i = 0; i < h; i++) data[i * w + j] = column[i];
        }
    }

    // result[i, j] = x[(i - dy) mod h, (j - dx) mod w], numpy's np.roll.
    static Complex[] Roll(Complex[] x, int h, int w, int dy, int dx)
    {
        var result = new Complex[x.Length];
        for (int i = 0; i < h; i++)
        {
            for (int j = 0; j < w; j++)
            {
                int si = ((i - dy) % h + h) % h, sj = ((j - dx) % w + w) % w;
                result[i * w + j] = x[si * w + sj];
            }
        }
        return result;
    }
}
