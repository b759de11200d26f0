using System.Globalization;
using FreqProbe.Core.Training;
using ScottPlot;

namespace FreqProbe.Core.Charts;

/// <summary>
/// Charts of `train --probe-radii` and `--probe-fprinciple` files against the epoch: top-1 with one line per (split,
/// filter, radius), or e_low and e_high with one pair of lines per kernel width. Several files (a natural and a
/// shuffled-label run) share one chart, each file's lines marked with its name.
/// </summary>
public static class ProbeChart
{
    /// <summary>Top-1 against epoch for every (file, split, filter, radius): colour by filter and radius, solid for test, dashed for train.</summary>
    public static void SaveAccuracy(IReadOnlyList<(string Name, IReadOnlyList<ProbeRow> Rows)> files, string path, string? title = null, int width = 900, int height = 560)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category20();
        var settings = files.SelectMany(f => f.Rows).Select(r => (r.Filter, r.Radius)).Distinct()
            .OrderBy(s => s.Filter == "none" ? 0 : s.Filter == "lowpass" ? 1 : 2).ThenBy(s => double.IsNaN(s.Radius) ? 0 : s.Radius).ToArray();
        LinePattern[] patterns = { LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted, LinePattern.DenselyDashed };
        for (int f = 0; f < files.Count; f++)
        {
            foreach (string split in new[] { "test", "train" })
            {
                for (int k = 0; k < settings.Length; k++)
                {
                    (string filter, double radius) = settings[k];
                    ProbeRow[] line = files[f].Rows.Where(r => r.Split == split && r.Filter == filter && SameRadius(r.Radius, radius)).OrderBy(r => r.Epoch).ToArray();
                    if (line.Length == 0) continue;
                    var scatter = plot.Add.Scatter(line.Select(r => (double)r.Epoch).ToArray(), line.Select(r => 100 * r.Top1).ToArray());
                    scatter.Color = filter == "none" ? Colors.Black : palette.GetColor(k);
                    scatter.LineWidth = filter == "none" ? 2.5f : 1.8f;
                    scatter.MarkerSize = 4;
                    scatter.LinePattern = patterns[(2 * f + (split == "train" ? 1 : 0)) % patterns.Length];
                    string setting = filter == "none" ? "unfiltered" : string.Create(CultureInfo.InvariantCulture, $"{(filter == "lowpass" ? "low" : "high")}-pass r={radius:0.##}");
                    scatter.LegendText = files.Count > 1 ? $"{files[f].Name}: {split}, {setting}" : $"{split}, {setting}";
                }
            }
        }
        plot.XLabel("epoch (test images solid, training subset dashed)");
        plot.YLabel("top-1 (%)");
        plot.Title(title ?? "Top-1 on filtered images while training");
        plot.Axes.SetLimitsY(0, 100);
        plot.ShowLegend(Edge.Right);
        Save(plot, path, width, height);
    }

    /// <summary>e_low (solid) and e_high (dashed) against epoch for every (file, kernel width).</summary>
    public static void SaveFPrinciple(IReadOnlyList<(string Name, IReadOnlyList<FPrincipleRow> Rows)> files, string path, string? title = null, int width = 900, int height = 560)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int colour = 0;
        foreach ((string name, IReadOnlyList<FPrincipleRow> rows) in files)
        {
            foreach (double w in rows.Select(r => r.WidthOverMedian).Distinct().Order())
            {
                FPrincipleRow[] line = rows.Where(r => r.WidthOverMedian == w).OrderBy(r => r.Epoch).ToArray();
                double[] epochs = line.Select(r => (double)r.Epoch).ToArray();
                string label = string.Create(CultureInfo.InvariantCulture, $"{(files.Count > 1 ? name + ", " : "")}σ = {w:0.##} m");
                var low = plot.Add.Scatter(epochs, line.Select(r => r.LowError).ToArray());
                low.Color = palette.GetColor(colour);
                low.LineWidth = 2;
                low.LegendText = $"e_low, {label}";
                var high = plot.Add.Scatter(epochs, line.Select(r => r.HighError).ToArray());
                high.Color = palette.GetColor(colour);
                high.LineWidth = 2;
                high.LinePattern = LinePattern.Dashed;
                high.LegendText = $"e_high, {label}";
                colour++;
            }
        }
        plot.XLabel("epoch (e_low solid, e_high dashed)");
        plot.YLabel("relative error ‖h − y‖ / ‖y‖ of each part");
        plot.Title(title ?? "F-principle errors on the training subset");
        plot.Axes.SetLimitsY(0, Math.Max(1.05, files.SelectMany(f => f.Rows).Select(r => Math.Max(r.LowError, r.HighError)).DefaultIfEmpty(1).Max() * 1.05));
        plot.ShowLegend(Edge.Right);
        Save(plot, path, width, height);
    }

    static bool SameRadius(double a, double b) => double.IsNaN(a) ? double.IsNaN(b) : a == b;

    static void Save(Plot plot, string path, int width, int height)
    {
        if (path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase)) plot.SaveSvg(path, width, height);
        else if (path.EndsWith(".png", StringComparison.OrdinalIgnoreCase)) plot.SavePng(path, width, height);
        else throw new InputException("out", IO.OutputFiles.ExtensionProblem(path, IO.OutputFiles.Pictures)!);
    }
}
