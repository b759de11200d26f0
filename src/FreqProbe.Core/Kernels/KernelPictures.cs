using System.Globalization;
using CsvHelper;
using FreqProbe.Core.Charts;
using FreqProbe.Core.Results;
using FreqProbe.Core.Spectral;
using ScottPlot;

namespace FreqProbe.Core.Kernels;

/// <summary>Tables and pictures of <see cref="LayerSpectrum"/> results: CSV, spectrum grids and the radial-profile chart.</summary>
public static class KernelPictures
{
    /// <summary>One CSV row per layer: shape, band energies (band_0 is lowest), diversity and effective rank.</summary>
    public static void WriteCsv(IReadOnlyList<LayerSpectrum> layers, IReadOnlyList<double> edges, Stream output)
    {
        using var text = new StreamWriter(output, new System.Text.UTF8Encoding(false), leaveOpen: true);
        using var csv = new CsvWriter(text, CultureInfo.InvariantCulture);
        foreach (string name in new[] { "layer", "out_channels", "in_channels", "kernel" }.Concat(BandNames(edges)).Concat(new[] { "diversity", "effective_rank" }))
        {
            csv.WriteField(name);
        }
        csv.NextRecord();
        foreach (LayerSpectrum l in layers)
        {
            csv.WriteField(l.Layer);
            csv.WriteField(l.OutChannels);
            csv.WriteField(l.InChannels);
            csv.WriteField($"{l.KernelHeight}x{l.KernelWidth}");
            foreach (double e in l.BandEnergy) csv.WriteField(ResultColumns.Rate(e));
            csv.WriteField(ResultColumns.Rate(l.Diversity));
            csv.WriteField(l.EffectiveRank.ToString("0.###", CultureInfo.InvariantCulture));
            csv.NextRecord();
        }
    }

    /// <summary>Column names of the bands: energy_f_lt_0.25, energy_f_0.25_0.5, energy_f_ge_0.5 for the default edges.</summary>
    public static IEnumerable<string> BandNames(IReadOnlyList<double> edges)
    {
        string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
        yield return $"energy_f_lt_{F(edges[0])}";
        for (int b = 1; b < edges.Count; b++) yield return $"energy_f_{F(edges[b - 1])}_{F(edges[b])}";
        yield return $"energy_f_ge_{F(edges[^1])}";
    }

    /// <summary>
    /// A PNG grid of the layer's output-channel magnitude spectra (DC in the centre of each tile), at most
    /// <paramref name="maxChannels"/>, each tile scaled to its own maximum on the viridis colour map.
    /// </summary>
    public static void SaveGrid(LayerSpectrum layer, int size, string path, int maxChannels = 64, int zoom = 4)
    {
        int count = Math.Min(layer.OutChannels, maxChannels);
        int columns = (int)Math.Ceiling(Math.Sqrt(count));
        int rows = (count + columns - 1) / columns;
        int tile = size * zoom, gap = 2;
        var colormap = new ScottPlot.Colormaps.Viridis();
        var image = new RgbCanvas(columns * (tile + gap) + gap, rows * (tile + gap) + gap);
        for (int c = 0; c < count; c++)
        {
            ReadOnlySpan<float> spectrum = layer.ChannelSpectra.AsSpan(c * size * size, size * size);
            float max = 0;
            foreach (float v in spectrum) max = Math.Max(max, v);
            int left = gap + (c % columns) * (tile + gap), top = gap + (c / columns) * (tile + gap);
            for (int y = 0; y < tile; y++)
            {
                for (int x = 0; x < tile; x++)
                {
                    float v = spectrum[(y / zoom) * size + x / zoom];
                    ScottPlot.Color colour = colormap.GetColor(max > 0 ? v / max : 0);
                    image.Set(left + x, top + y, colour.R, colour.G, colour.B);
                }
            }
        }
        image.SavePng(path);
    }

    /// <summary>The radial energy profiles of all layers in one chart (PNG or SVG), x in units of Nyquist.</summary>
    public static void SaveRadialProfiles(IReadOnlyList<LayerSpectrum> layers, int size, string path, string title)
    {
        var plot = new Plot();
        double half = size / 2;
        var colormap = new ScottPlot.Colormaps.Viridis();
        for (int i = 0; i < layers.Count; i++)
        {
            LayerSpectrum l = layers[i];
            double[] xs = Enumerable.Range(0, l.RadialProfile.Count).Select(d => d / half).ToArray();
            var line = plot.Add.Scatter(xs, l.RadialProfile.ToArray());
            line.Color = colormap.GetColor(layers.Count == 1 ? 0 : (double)i / (layers.Count - 1));
            line.MarkerSize = 0;
            line.LineWidth = 1.5f;
            line.LegendText = l.Layer;
        }
        plot.XLabel("frequency f = distance from DC / Nyquist (corners reach 1.41)");
        plot.YLabel("mean power at that distance / mean power (all-pass = 1)");
        var allPass = plot.Add.HorizontalLine(1);
        allPass.LinePattern = LinePattern.Dotted;
        allPass.Color = Colors.Gray;
        plot.Title(title);
        plot.ShowLegend(Edge.Right);
        if (path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase)) plot.SaveSvg(path, 1000, 560);
        else plot.SavePng(path, 1000, 560);
    }
}
