using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Spectral;

/// <summary>The figures of one kernel bank (CONVENTIONS.md, kernel banks), each a mean over its group pairs.</summary>
/// <param name="Layer">The layer path.</param>
/// <param name="Layout">How the bank was recognised (odconv, …).</param>
/// <param name="Groups">K.</param>
/// <param name="OutChannels">Output channels per group.</param>
/// <param name="InChannels">Input channels per group (per convolution group).</param>
/// <param name="KernelHeight">Kernel rows.</param>
/// <param name="KernelWidth">Kernel columns.</param>
/// <param name="SpectrumCosine">Mean pairwise cosine of the group spectra (the mean centred |DFT| over a group's kernels, each zero-padded to N×N).</param>
/// <param name="Overlap">Mean pairwise Σρ min(p_g(ρ), p_h(ρ)) of the groups' radial profiles: 1 for identical profiles, 0 for disjoint ones.</param>
/// <param name="WeightCosine">Mean pairwise cosine of the flattened group weights.</param>
/// <param name="RadialProfiles">p_g per group: the group spectrum summed over rings round(d) = 0, 1, … from DC, normalised to sum to 1.</param>
public sealed record BankFigures(string Layer, string Layout, int Groups, int OutChannels, int InChannels, int KernelHeight, int KernelWidth,
    double SpectrumCosine, double Overlap, double WeightCosine, IReadOnlyList<double[]> RadialProfiles);

/// <summary>
/// How alike the K kernel groups of a dynamic convolution are, in frequency and in parameters: FDConv (Chen et al.,
/// CVPR 2025) reports ODConv's groups at a parameter cosine above 0.88, and builds its own groups to be disjoint in
/// frequency. Kernels are zero-padded to N×N (kernel in the top-left corner) and their |DFT| centred with DC at (N/2, N/2).
/// </summary>
public static class KernelBankFigures
{
    /// <summary>The figures of a bank [K, out, in, kh, kw] at padding size <paramref name="size"/>.</summary>
    public static BankFigures Analyse(string layer, string layout, Tensor groups, int size)
    {
        if (groups.dim() != 5 || groups.shape[0] < 2)
        {
            throw new InputException("weights", $"layer {layer}: a kernel bank is [K, out, in, kh, kw] with K >= 2 groups; got [{string.Join(", ", groups.shape)}].");
        }
        long k = groups.shape[0], o = groups.shape[1], i = groups.shape[2], kh = groups.shape[3], kw = groups.shape[4];
        if (kh > size || kw > size) throw new InputException("size", $"{size} is smaller than the {kh}x{kw} kernels of layer {layer}.");
        using var scope = NewDisposeScope();
        Tensor w = groups.detach().cpu().to(ScalarType.Float64);
        Tensor padded = nn.functional.pad(w, new long[] { 0, size - kw, 0, size - kh });
        Tensor spectra = fft.fftshift(fft.fft2(padded).abs(), new long[] { -2, -1 }).mean(new long[] { 1, 2 });   // [K, N, N]
        double[] flat = spectra.data<double>().ToArray();

        int half = size / 2, bins = (int)Math.Round(Math.Sqrt(2.0) * half) + 1;
        var profiles = new double[k][];
        for (int g = 0; g < k; g++)
        {
            var p = new double[bins];
            for (int y = 0; y < size; y++)
            {
                for (int x = 0; x < size; x++) p[KernelSpectra.Ring(y, x, half)] += flat[(g * size + y) * size + x];
            }
            double total = p.Sum();
            if (total > 0) for (int b = 0; b < bins; b++) p[b] /= total;
            profiles[g] = p;
        }

        double spectrumCosine = KernelSpectra.MeanPairwiseCosine(spectra.reshape(k, -1));
        double weightCosine = KernelSpectra.MeanPairwiseCosine(w.reshape(k, -1));
        double overlap = 0;
        int pairs = 0;
        for (int g = 0; g < k; g++)
        {
            for (int h = g + 1; h < k; h++, pairs++) overlap += profiles[g].Zip(profiles[h]).Sum(t => Math.Min(t.First, t.Second));
        }
        return new BankFigures(layer, layout, (int)k, (int)o, (int)i, (int)kh, (int)kw, spectrumCosine, overlap / pairs, weightCosine, profiles);
    }

    /// <summary>
    /// A 2-D embedding of the bank's per-filter spectra by PCA: one row per (group, output filter), the filter's mean
    /// centred |DFT| over its input slices (zero-padded to N×N), centred over all rows and projected on the first two
    /// principal axes (signs fixed so that each axis's largest coordinate is positive). Returns [K·out, 2] coordinates,
    /// group-major, and the share of the variance the two axes explain.
    /// </summary>
    public static (double[,] Points, double Explained) Embedding(Tensor groups, int size)
    {
        if (groups.dim() != 5) throw new InputException("weights", $"a kernel bank is [K, out, in, kh, kw]; got [{string.Join(", ", groups.shape)}].");
        long k = groups.shape[0], o = groups.shape[1], kh = groups.shape[3], kw = groups.shape[4];
        using var scope = NewDisposeScope();
        Tensor padded = nn.functional.pad(groups.detach().cpu().to(ScalarType.Float64), new long[] { 0, size - kw, 0, size - kh });
        Tensor rows = fft.fftshift(fft.fft2(padded).abs(), new long[] { -2, -1 }).mean(new long[] { 2 }).reshape(k * o, -1);   // [K·out, N·N]
        Tensor centred = rows - rows.mean(new long[] { 0 }, keepdim: true);
        (Tensor u, Tensor singular, Tensor _) = linalg.svd(centred, fullMatrices: false);
        int axes = (int)Math.Min(2, singular.shape[0]);
        double[] s = singular.data<double>().ToArray();
        double total = s.Sum(v => v * v);
        Tensor projected = u.narrow(1, 0, axes) * singular.narrow(0, 0, axes);
        double[] flat = projected.data<double>().ToArray();
        var points = new double[k * o, 2];
        for (int axis = 0; axis < axes; axis++)
        {
            double sign = Enumerable.Range(0, (int)(k * o)).Select(r => flat[r * axes + axis]).MaxBy(Math.Abs) < 0 ? -1 : 1;
            for (int r = 0; r < k * o; r++) points[r, axis] = sign * flat[r * axes + axis];
        }
        return (points, total > 0 ? s.Take(axes).Sum(v => v * v) / total : 0);
    }
}
