using System.Text.RegularExpressions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FreqProbe.Core.Spectral;

/// <summary>The frequency response of one convolution layer's weights.</summary>
/// <param name="Layer">The module path, e.g. layer1.0.conv1.</param>
/// <param name="OutChannels">Output channels (the "experts").</param>
/// <param name="InChannels">Input channels per output channel.</param>
/// <param name="KernelHeight">Kernel rows.</param>
/// <param name="KernelWidth">Kernel columns.</param>
/// <param name="BandEnergy">Share of the layer's spectral energy in each band (low, mid, high for two edges).</param>
/// <param name="Diversity">Mean pairwise cosine similarity of the output channels' magnitude spectra: 1 when every channel responds alike.</param>
/// <param name="EffectiveRank">exp(entropy) of the normalised singular values of the stacked channel spectra (Roy and Vetterli 2007): 1 for identical channels, up to the channel count.</param>
/// <param name="RadialProfile">Mean power at each integer distance d = 0, 1, ... (cycles per N samples) from DC, relative to the mean over the whole grid: 1 everywhere for an all-pass (1×1) kernel.</param>
/// <param name="ChannelSpectra">[OutChannels, N, N] centred RMS magnitude spectra, row-major, for pictures.</param>
public sealed record LayerSpectrum(string Layer, int OutChannels, int InChannels, int KernelHeight, int KernelWidth,
    IReadOnlyList<double> BandEnergy, double Diversity, double EffectiveRank, IReadOnlyList<double> RadialProfile, float[] ChannelSpectra);

/// <summary>
/// Frequency responses of convolution kernels. Each 2-D slice W[o, i] is zero-padded to N×N (kernel in the top-left
/// corner) and transformed; |DFT| is centred with DC at (N/2, N/2). An output channel's spectrum is the RMS over its
/// input slices, sqrt(mean_i |W[o,i]|²). Frequencies are normalised to Nyquist: f = sqrt(u² + v²) / (N/2), so f = 1
/// is the highest frequency along an axis and corners reach √2. Energies are |DFT|² summed over all slices.
/// </summary>
public static class KernelSpectra
{
    /// <summary>Default band edges in units of Nyquist: low f &lt; 0.25, mid 0.25 ≤ f &lt; 0.5, high f ≥ 0.5.</summary>
    public static IReadOnlyList<double> DefaultEdges { get; } = new[] { 0.25, 0.5 };

    /// <summary>
    /// The convolution kernels of <paramref name="model"/>: every 4-D weight parameter [out, in, kh, kw], named by its
    /// layer path (the parameter name without ".weight"), in parameter order. For FreqProbe's own networks these are the
    /// Conv2d modules; for a TorchScript model they are read through its named parameters, whatever its classes.
    /// </summary>
    public static IReadOnlyList<(string Layer, Tensor Weight)> ConvolutionWeights(nn.Module model) =>
        ConvolutionWeights(model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)));

    /// <summary>
    /// The convolution kernels among named tensors (a state dict): every 4-D <c>*.weight</c>, named by its layer path, in
    /// the given order. The 1×1 heads of a dynamic convolution's attention (<c>X.attention.*</c>, as in ODConv) are left
    /// out: they act on globally pooled features and have no spatial response.
    /// </summary>
    public static IReadOnlyList<(string Layer, Tensor Weight)> ConvolutionWeights(IEnumerable<(string Name, Tensor Value)> named) =>
        named.Where(p => p.Value.dim() == 4 && p.Name.EndsWith(".weight", StringComparison.Ordinal) && !p.Name.Contains(".attention.", StringComparison.Ordinal))
            .Select(p => (p.Name[..^".weight".Length], p.Value))
            .ToArray();

    /// <summary>Whether a layer path matches <paramref name="layers"/> (a regex; null matches every layer).</summary>
    public static Func<string, bool> LayerFilter(string? layers)
    {
        if (layers is null) return _ => true;
        try
        {
            var filter = new Regex(layers, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            return filter.IsMatch;
        }
        catch (ArgumentException e)
        {
            throw new InputException("layers", $"'{layers}' is not a regular expression ({e.Message}); expected a pattern on layer paths, e.g. '^layer3\\.'.");
        }
    }

    /// <summary>Every convolution kernel of <paramref name="model"/> whose layer path matches <paramref name="layers"/> (a regex; null for all), in parameter order.</summary>
    public static IReadOnlyList<LayerSpectrum> Analyse(nn.Module model, int size, IReadOnlyList<double> edges, string? layers = null, Action<string>? notice = null)
    {
        Check(size, edges);
        if (!model.named_parameters().Any())
        {
            throw new InputException("weights", "the model has no named parameters: its weights are graph constants, not named parameters (a frozen " +
                "TorchScript archive, torch.jit.freeze); expected a model whose convolution weights are parameters, e.g. an archive exported without freezing.");
        }
        return Analyse(ConvolutionWeights(model), size, edges, layers, notice);
    }

    /// <summary>
    /// The kernels of <paramref name="weights"/> whose layer path matches <paramref name="layers"/> (a regex; null for
    /// all), in order. A weight with no elements is an <see cref="InputException"/>; one whose values are all zero has
    /// no spectrum to share out, and is left out with a <paramref name="notice"/> instead of reported as 0% in every band.
    /// </summary>
    public static IReadOnlyList<LayerSpectrum> Analyse(IReadOnlyList<(string Layer, Tensor Weight)> weights, int size, IReadOnlyList<double> edges, string? layers = null,
        Action<string>? notice = null)
    {
        Check(size, edges);
        Func<string, bool> wanted = LayerFilter(layers);
        var results = new List<LayerSpectrum>();
        foreach ((string name, Tensor weight) in weights)
        {
            if (!wanted(name)) continue;
            using var scope = NewDisposeScope();
            if (weight.numel() == 0)
            {
                throw new InputException("weights", $"layer {name}: its weight is [{string.Join(", ", weight.shape)}], with no elements; expected [out, in, kh, kw] of at least 1 each.");
            }
            if (!weight.detach().ne(Native.PinnedScalars.Zero).any().item<bool>())
            {
                notice?.Invoke($"layer {name}: all {weight.numel()} weights are zero, so it has no spectrum; left out");
                continue;
            }
            results.Add(Analyse(name, weight.detach().cpu(), size, edges));
        }
        return results;
    }

    static void Check(int size, IReadOnlyList<double> edges)
    {
        if (size < 4) throw new InputException("size", $"{size} is too small; expected at least 4 (and at least the kernel size).");
        if (edges.Count == 0 || edges.Zip(edges.Skip(1)).Any(p => p.First >= p.Second) || edges[0] <= 0)
            throw new InputException("bands", $"'{string.Join(",", edges)}' must be increasing positive edges in units of Nyquist, e.g. 0.25,0.5.");
    }

    /// <summary>The ring round(d) of cell (y, x) of a centred N×N grid with DC at (half, half): the bins of radial profiles.</summary>
    public static int Ring(int y, int x, int half) => (int)Math.Round(Math.Sqrt((double)(y - half) * (y - half) + (double)(x - half) * (x - half)));

    /// <summary>The mean cosine over the row pairs of [R, D] float64 rows (1 with fewer than two rows; a zero row has cosine 0 with everything).</summary>
    public static double MeanPairwiseCosine(Tensor rows)
    {
        long o = rows.shape[0];
        if (o < 2) return 1.0;
        using var scope = NewDisposeScope();
        Tensor unit = rows / rows.norm(1, keepdim: true).clamp_min(Native.PinnedScalars.Tiny);
        return (unit.matmul(unit.t()).sum().item<double>() - unit.pow(Native.PinnedScalars.Two).sum().item<double>()) / (o * (o - 1));
    }

    /// <summary>The spectrum of one weight tensor [out, in, kh, kw].</summary>
    public static LayerSpectrum Analyse(string name, Tensor weight, int size, IReadOnlyList<double> edges)
    {
        using var scope = NewDisposeScope();
        long o = weight.shape[0], i = weight.shape[1], kh = weight.shape[2], kw = weight.shape[3];
        if (kh > size || kw > size) throw new InputException("size", $"{size} is smaller than the {kh}x{kw} kernels of layer {name}.");
        Tensor padded = nn.functional.pad(weight.to(ScalarType.Float64), new long[] { 0, size - kw, 0, size - kh });
        Tensor power = fft.fftshift(fft.fft2(padded).abs().pow(Native.PinnedScalars.Two), new long[] { -2, -1 });      // [O, I, N, N]
        Tensor channel = power.mean(new long[] { 1 }).sqrt();                                      // [O, N, N] RMS magnitude
        Tensor total = power.sum(new long[] { 0, 1 });                                             // [N, N]

        double[] energy = total.data<double>().ToArray();
        double sum = energy.Sum();
        int half = size / 2;
        int maxBin = (int)Math.Ceiling(Math.Sqrt(2.0) * half);
        var radial = new double[maxBin + 1];
        var ringSize = new int[maxBin + 1];
        var bands = new double[edges.Count + 1];
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                double d = Math.Sqrt((double)(y - half) * (y - half) + (double)(x - half) * (x - half));
                double share = sum > 0 ? energy[y * size + x] / sum : 0;
                int ring = Ring(y, x, half);
                radial[ring] += share;
                ringSize[ring]++;
                double f = d / half;
                int band = 0;
                while (band < edges.Count && f >= edges[band]) band++;
                bands[band] += share;
            }
        }

        for (int d = 0; d <= maxBin; d++) radial[d] = ringSize[d] == 0 ? 0 : radial[d] / ringSize[d] * size * size;

        Tensor flat = channel.reshape(o, -1);
        double diversity = MeanPairwiseCosine(flat);
        double[] singular = linalg.svdvals(flat).data<double>().ToArray();
        double singularSum = singular.Sum();
        double entropy = singularSum <= 0 ? 0 : -singular.Where(s => s > 0).Select(s => s / singularSum).Sum(p => p * Math.Log(p));
        float[] pictures = channel.to(ScalarType.Float32).data<float>().ToArray();
        return new LayerSpectrum(name, (int)o, (int)i, (int)kh, (int)kw, bands, diversity, Math.Exp(entropy), radial, pictures);
    }
}
