using FreqProbe.Core.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Spectral;

/// <summary>
/// Applies a list of filters to image batches on one device. Each batch is transformed once with <c>rfft2</c>; every
/// filter is a multiplication of that one half spectrum by a cached mask, followed by <c>irfft2</c>. Because every
/// mask is symmetric about DC, the product stays Hermitian and <c>irfft2</c> returns exactly the real part of the
/// full inverse DFT (CONVENTIONS.md, step 6).
/// </summary>
public sealed class SpectralFilterBank : IDisposable
{
    readonly Tensor halfMasks;      // [F, H, W/2+1] float32 on the device
    readonly Tensor energyWeights;  // [H·(W/2+1), F] float64: column multiplicity × mask², for energy kept
    readonly Tensor totalWeights;   // [H·(W/2+1)] float64: column multiplicity

    /// <summary>Builds (and keeps) the masks of <paramref name="filters"/> for <paramref name="height"/>×<paramref name="width"/> images.</summary>
    public SpectralFilterBank(IReadOnlyList<FrequencyFilter> filters, int height, int width, Device device)
    {
        Filters = filters;
        Height = height;
        Width = width;
        int halfWidth = width / 2 + 1;
        int cells = height * halfWidth;
        var maskData = new float[filters.Count * cells];
        var energyData = new double[cells * filters.Count];
        double[] multiplicity = CentredMask.HalfSpectrumColumnMultiplicity(width);
        var totalData = new double[cells];
        var kept = new double[filters.Count];
        for (int f = 0; f < filters.Count; f++)
        {
            CentredMask mask = CentredMask.Build(filters[f], height, width);
            kept[f] = mask.CoefficientsKept;
            float[] half = mask.ToHalfSpectrum();
            Array.Copy(half, 0, maskData, f * cells, cells);
            for (int c = 0; c < cells; c++)
            {
                double m = half[c];
                energyData[c * filters.Count + f] = multiplicity[c % halfWidth] * m * m;
            }
        }
        for (int c = 0; c < cells; c++) totalData[c] = multiplicity[c % halfWidth];
        CoefficientsKept = kept;
        halfMasks = tensor(maskData, new long[] { filters.Count, height, halfWidth }).to(device);
        energyWeights = tensor(energyData, new long[] { cells, filters.Count }).to(device);
        totalWeights = tensor(totalData, new long[] { cells }).to(device);
    }

    /// <summary>The filters, in output order.</summary>
    public IReadOnlyList<FrequencyFilter> Filters { get; }

    /// <summary>Image height the masks were built for.</summary>
    public int Height { get; }

    /// <summary>Image width the masks were built for.</summary>
    public int Width { get; }

    /// <summary>The fraction of coefficients kept by each filter: the mean of its full centred mask.</summary>
    public IReadOnlyList<double> CoefficientsKept { get; }

    /// <summary>
    /// The spectrum of a batch of [0,1] images [B, C, H, W] (float32): one <c>rfft2</c> over the last two dimensions.
    /// </summary>
    public Tensor Transform(Tensor images)
    {
        CheckShape(images);
        return fft.rfft2(images);
    }

    /// <summary>
    /// Filters a batch with filters [<paramref name="first"/>, <paramref name="first"/> + <paramref name="count"/>) at once,
    /// from its spectrum. Returns [count·B, C, H, W], filter-major: rows f·B … f·B + B − 1 hold filter first + f.
    /// </summary>
    public Tensor Filter(Tensor spectrum, int first, int count)
    {
        long b = spectrum.shape[0], c = spectrum.shape[1];
        using Tensor masks = halfMasks.narrow(0, first, count).unsqueeze(1).unsqueeze(1); // [count, 1, 1, H, Wh]
        using Tensor product = spectrum.unsqueeze(0) * masks;                              // [count, B, C, H, Wh]
        using Tensor pixels = fft.irfft2(product, s: new long[] { Height, Width });
        return pixels.reshape(count * b, c, Height, Width);
    }

    /// <summary>
    /// The fraction of spectral energy each filter keeps for each image, Σ|X·mask|² / Σ|X|² over all channels, as
    /// [B, F] float64. An image with no energy at all (all zero) keeps fraction 1.
    /// </summary>
    public Tensor EnergyKept(Tensor spectrum)
    {
        long b = spectrum.shape[0];
        // |X|·|X| rather than square(): TorchSharp's square() passes a temporary Scalar that the finalizer can free
        // mid-call ("Unknown scalar type", seen once under SIGHUP in CI); ATen computes pow(x, 2) as x·x, so the values are the same.
        using Tensor magnitude = spectrum.abs();
        using Tensor power = magnitude.mul(magnitude).to(ScalarType.Float64).sum(1).reshape(b, -1); // [B, H·Wh]
        using Tensor kept = power.matmul(energyWeights);                                          // [B, F]
        using Tensor total = power.matmul(totalWeights).unsqueeze(1);                              // [B, 1]
        using Tensor safeTotal = total.clamp_min(PinnedScalars.Tiny);
        using Tensor ratio = kept / safeTotal;
        using Tensor empty = total.le(PinnedScalars.Zero); // a bare 0 would be a temporary Scalar (see PinnedScalars)
        return ratio.masked_fill(empty, PinnedScalars.One);
    }

    void CheckShape(Tensor images)
    {
        if (images.dim() != 4 || images.shape[2] != Height || images.shape[3] != Width)
        {
            throw new ArgumentException($"expected images [B, C, {Height}, {Width}], got [{string.Join(", ", images.shape)}]");
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        halfMasks.Dispose();
        energyWeights.Dispose();
        totalWeights.Dispose();
    }
}
