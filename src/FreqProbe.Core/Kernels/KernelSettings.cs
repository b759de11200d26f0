using System.Globalization;
using FreqProbe.Core.Planning;
using FreqProbe.Core.Spectral;

namespace FreqProbe.Core.Kernels;

/// <summary>
/// The settings of `freqprobe kernels` besides the model's (model, weights, classes, offline), declared like the run
/// settings: the command's options and their defaults come from here.
/// </summary>
public static class KernelSettings
{
    /// <summary>--layers.</summary>
    public static readonly Setting Layers = new("layers", SettingKind.Text, SettingGroup.Analysis,
        "Regular expression on layer paths, e.g. '^conv1$' or '^layer3\\.'; default all convolutions.")
    {
        Example = "^conv1$",
    };

    /// <summary>--size.</summary>
    public static readonly Setting Size = new("size", SettingKind.Count, SettingGroup.Analysis, "Zero-pad each kernel to NxN before the DFT.")
    {
        Default = "32",
        Example = "16",
    };

    /// <summary>--bands: band edges of the kernel spectra (not the filter run's bands).</summary>
    public static readonly Setting Edges = new("bands", SettingKind.Text, SettingGroup.Analysis,
        "Band edges in units of Nyquist (f = distance from DC / (N/2)), increasing.")
    {
        Default = string.Join(",", KernelSpectra.DefaultEdges.Select(e => e.ToString(CultureInfo.InvariantCulture))),
        Example = "0.5",
    };

    /// <summary>--pictures.</summary>
    public static readonly Setting Pictures = new("pictures", SettingKind.Path, SettingGroup.Output,
        "Folder for PNGs: LAYER.png (grid of channel spectra) per layer, and radial-profiles.png.")
    {
        Example = "kernels",
    };

    /// <summary>Every kernels setting, in help order.</summary>
    public static IReadOnlyList<Setting> All { get; } = new[] { Layers, Size, Edges, Pictures };

    /// <summary>The zero-padded DFT side, 4 to 512; otherwise a problem naming the option.</summary>
    public static int SizeOf(GivenSettings given, List<string> problems)
    {
        int n = given.CountOrDefault(Size, problems);
        if (n is < 4 or > 512) problems.Add($"--size: {n} is out of range; expected 4 to 512.");
        return n;
    }

    /// <summary>The band edges, increasing positive numbers; otherwise a problem naming the option, and the default edges.</summary>
    public static double[] EdgesOf(GivenSettings given, List<string> problems)
    {
        string text = given.TextOrDefault(Edges);
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var edges = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out edges[i]) || edges[i] <= 0 || (i > 0 && edges[i] <= edges[i - 1]))
            {
                problems.Add($"--bands: '{text}' is not increasing positive numbers; expected edges in units of Nyquist, e.g. 0.25,0.5.");
                return KernelSpectra.DefaultEdges.ToArray();
            }
        }
        return edges;
    }
}
