using System.Globalization;
using System.Text.Json;
using FreqProbe.Core.IO;
using FreqProbe.Core.Models;
using FreqProbe.Core.Native;
using FreqProbe.Core.Spectral;
using static TorchSharp.torch;

namespace FreqProbe.Core.Kernels;

/// <summary>One dynamic-convolution bank: its figures and the 2-D PCA embedding of its filters' spectra.</summary>
/// <param name="Figures">Spectrum cosine, overlap and weight cosine of its groups.</param>
/// <param name="Embedding">Filters by 2 PCA coordinates.</param>
/// <param name="Explained">Share of variance the two components explain.</param>
public sealed record BankReport(BankFigures Figures, double[,] Embedding, double Explained);

/// <summary>
/// What `kernels` found: the spectra of a model's convolution layers and its kernel banks, and its file format
/// (<see cref="FormatTags.Kernels"/>). The command only binds options and prints.
/// </summary>
/// <param name="Model">The model's name, or "state dict" for a bare one.</param>
/// <param name="WeightsName">The weights as named on the command line.</param>
/// <param name="Layers">Per convolution layer.</param>
/// <param name="Banks">Per kernel bank.</param>
public sealed record KernelReport(string Model, string WeightsName, IReadOnlyList<LayerSpectrum> Layers, IReadOnlyList<BankReport> Banks)
{
    /// <summary>
    /// The layers and banks of <paramref name="network"/> (its parameters, and its named weights for the banks),
    /// matching <paramref name="layers"/> (a regex; null for all), with kernels padded to <paramref name="size"/>;
    /// <paramref name="warn"/> hears layers left out, <paramref name="unread"/> what looks like a bank but would need a guess.
    /// </summary>
    public static KernelReport OfNetwork(string model, string weightsName, nn.Module network, IEnumerable<(string Name, Tensor Value)> namedWeights, string? layers,
        int size, IReadOnlyList<double> edges, Action<string> warn, Action<string> unread)
    {
        // A network whose weights are not module parameters (an ONNX graph's initializers) is read through its kind's names.
        var weights = namedWeights.ToList();
        IReadOnlyList<LayerSpectrum> result = !network.named_parameters().Any() && weights.Count > 0
            ? KernelSpectra.Analyse(KernelSpectra.ConvolutionWeights(weights), size, edges, layers, warn)
            : KernelSpectra.Analyse(network, size, edges, layers, warn);
        IReadOnlyList<BankReport> banks = FindBanks(weights.ToDictionary(w => w.Name, w => w.Value), layers, size, unread);
        if (result.Count == 0 && banks.Count == 0) throw new InputException($"--layers: '{layers}' matches no convolution of {model}.");
        return new KernelReport(model, weightsName, result, banks);
    }

    /// <summary>
    /// The kernels and kernel banks of the bare state dict at <paramref name="path"/>: every 4-D *.weight tensor as a
    /// layer, and every dynamic-convolution bank <see cref="KernelBankLayouts"/> recognises.
    /// </summary>
    public static KernelReport OfStateDict(string path, string? layers, int size, IReadOnlyList<double> edges, Action<string> warn, Action<string> unread)
    {
        Dictionary<string, Tensor> tensors = WeightsFile.Load(path);
        try
        {
            FiniteWeights.Check(tensors.Select(t => (t.Key, t.Value)), path);
            IReadOnlyList<LayerSpectrum> result = KernelSpectra.Analyse(KernelSpectra.ConvolutionWeights(tensors.Select(t => (t.Key, t.Value))), size, edges, layers, warn);
            IReadOnlyList<BankReport> banks = FindBanks(tensors, layers, size, unread);
            if (result.Count == 0 && banks.Count == 0)
            {
                throw new InputException("weights", $"'{path}' holds no convolution weight (4-D *.weight) and no kernel bank{(layers is null ? "" : $" matching --layers '{layers}'")}; " +
                    "expected a state dict of a convolutional network (or --model for a file that needs one).");
            }
            return new KernelReport("state dict", path, result, banks);
        }
        finally
        {
            foreach (Tensor t in tensors.Values) t.Dispose();
        }
    }

    // The dynamic-convolution banks KernelBankLayouts recognises among named tensors, with their figures and PCA embeddings.
    static IReadOnlyList<BankReport> FindBanks(IReadOnlyDictionary<string, Tensor> tensors, string? layers, int size, Action<string> unread)
    {
        Func<string, bool> wanted = KernelSpectra.LayerFilter(layers);
        (IReadOnlyList<KernelBank> found, IReadOnlyList<string> problems) = KernelBankLayouts.Find(tensors);
        foreach (string problem in problems) unread(problem);
        return found.Where(b => wanted(b.Layer)).Select(b =>
        {
            (double[,] points, double explained) = KernelBankFigures.Embedding(b.Groups, size);
            return new BankReport(KernelBankFigures.Analyse(b.Layer, b.Layout, b.Groups, size), points, explained);
        }).ToArray();
    }

    /// <summary>Writes the report as <see cref="FormatTags.Kernels"/> JSON, with its provenance.</summary>
    public void WriteJson(Stream stream, IReadOnlyList<double> edges, int size, string weightsPath, string command)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("format", FormatTags.Kernels);
        json.WriteString("command", command);
        json.WriteString("model", Model);
        json.WriteString("weights", WeightsName);
        json.WriteString("weights_path", weightsPath);
        json.WriteString("weights_sha256", WeightsFile.Sha256(weightsPath));
        json.WriteNumber("size", size);
        json.WriteString("frequency_unit", "f = distance from DC / (N/2); radial_profile[d] is the mean power at distance d (cycles per N samples) over the mean power of the grid");
        json.WriteStartArray("band_edges");
        foreach (double e in edges) json.WriteNumberValue(e);
        json.WriteEndArray();
        json.WriteStartObject("versions");
        foreach ((string key, string value) in TorchBackend.Versions()) json.WriteString(key, value);
        json.WriteEndObject();
        json.WriteString("created_utc", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        json.WriteStartArray("layers");
        string[] names = KernelPictures.BandNames(edges).ToArray();
        foreach (LayerSpectrum l in Layers)
        {
            json.WriteStartObject();
            json.WriteString("layer", l.Layer);
            json.WriteNumber("out_channels", l.OutChannels);
            json.WriteNumber("in_channels", l.InChannels);
            json.WriteString("kernel", $"{l.KernelHeight}x{l.KernelWidth}");
            for (int b = 0; b < names.Length; b++) json.WriteNumber(names[b], l.BandEnergy[b]);
            json.WriteNumber("diversity", l.Diversity);
            json.WriteNumber("effective_rank", l.EffectiveRank);
            json.WriteStartArray("radial_profile");
            foreach (double v in l.RadialProfile) json.WriteNumberValue(v);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        if (Banks.Count > 0)
        {
            json.WriteString("bank_figures", "means over group pairs: spectrum_cosine of the group mean |DFT| (kernels zero-padded to size), overlap = sum over rings " +
                "of min(p_g, p_h) of the radial profiles, weight_cosine of the flattened group weights");
            json.WriteStartArray("banks");
            foreach (BankFigures b in Banks.Select(r => r.Figures))
            {
                json.WriteStartObject();
                json.WriteString("layer", b.Layer);
                json.WriteString("layout", b.Layout);
                json.WriteNumber("groups", b.Groups);
                json.WriteNumber("out_channels", b.OutChannels);
                json.WriteNumber("in_channels", b.InChannels);
                json.WriteString("kernel", $"{b.KernelHeight}x{b.KernelWidth}");
                json.WriteNumber("spectrum_cosine", b.SpectrumCosine);
                json.WriteNumber("overlap", b.Overlap);
                json.WriteNumber("weight_cosine", b.WeightCosine);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }
}
