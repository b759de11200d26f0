using System.Globalization;
using FreqProbe.Core.Results;
using FreqProbe.Core.Spectral;
using ScottPlot;

namespace FreqProbe.Core.Kernels;

/// <summary>Pictures of one kernel bank: its groups' radial responses, and a 2-D embedding of its filters' spectra coloured by group.</summary>
public static class KernelBankPictures
{
    /// <summary>p_g against the frequency (ring distance over N/2, units of Nyquist), one line per group, with the bank figures in the title.</summary>
    public static void SaveRadialResponses(BankFigures bank, int size, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        double half = size / 2;
        for (int g = 0; g < bank.RadialProfiles.Count; g++)
        {
            double[] p = bank.RadialProfiles[g];
            var line = plot.Add.Scatter(Enumerable.Range(0, p.Length).Select(d => d / half).ToArray(), p);
            line.Color = palette.GetColor(g);
            line.MarkerSize = 4;
            line.LegendText = $"group {g}";
        }
        plot.XLabel("frequency f = distance from DC / Nyquist (corners reach 1.41)");
        plot.YLabel("share of the group's mean |DFT| at that distance (p_g)");
        plot.Title(string.Create(CultureInfo.InvariantCulture,
            $"{bank.Layer} ({bank.Layout}, K = {bank.Groups}): spectrum cosine {bank.SpectrumCosine:0.000}, overlap {bank.Overlap:0.000}, weight cosine {bank.WeightCosine:0.000}"), size: 12);
        plot.ShowLegend(Edge.Right);
        Save(plot, path, 1000, 560);
    }

    /// <summary>The embedding of <see cref="KernelBankFigures.Embedding"/>: one point per (group, output filter), coloured by group.</summary>
    public static void SaveEmbedding(string layer, double[,] points, int groups, double explained, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int perGroup = points.GetLength(0) / groups;
        for (int g = 0; g < groups; g++)
        {
            double[] xs = Enumerable.Range(g * perGroup, perGroup).Select(r => points[r, 0]).ToArray();
            double[] ys = Enumerable.Range(g * perGroup, perGroup).Select(r => points[r, 1]).ToArray();
            var dots = plot.Add.ScatterPoints(xs, ys);
            dots.Color = palette.GetColor(g);
            dots.MarkerSize = 7;
            dots.LegendText = $"group {g}";
        }
        plot.XLabel("principal axis 1 of the filters' magnitude spectra");
        plot.YLabel("principal axis 2");
        plot.Title(string.Create(CultureInfo.InvariantCulture, $"{layer}: PCA of per-filter spectra ({100 * explained:0.0}% of the variance on these axes)"), size: 12);
        plot.ShowLegend(Edge.Right);
        Save(plot, path, 900, 640);
    }

    static void Save(Plot plot, string path, int width, int height)
    {
        if (path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase)) plot.SaveSvg(path, width, height);
        else if (path.EndsWith(".png", StringComparison.OrdinalIgnoreCase)) plot.SavePng(path, width, height);
        else throw new InputException("pictures", IO.OutputFiles.ExtensionProblem(path, IO.OutputFiles.Pictures)!);
    }
}
