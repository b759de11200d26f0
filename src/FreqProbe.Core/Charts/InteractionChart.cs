using System.Globalization;
using ScottPlot;

namespace FreqProbe.Core.Charts;

/// <summary>One curve of J^(m) against m/n.</summary>
/// <param name="Label">Legend text.</param>
/// <param name="Ratios">m/n per order.</param>
/// <param name="Strengths">J^(m) per order (NaN where undefined).</param>
/// <param name="Low">The low ends of J's 95% bootstrap intervals.</param>
/// <param name="High">The high ends.</param>
public sealed record InteractionSeries(string Label, IReadOnlyList<double> Ratios, IReadOnlyList<double> Strengths, IReadOnlyList<double> Low, IReadOnlyList<double> High);

/// <summary>Charts of the relative interaction strength J^(m) against the order ratio m/n, one line per result, as PNG or SVG.</summary>
public static class InteractionChart
{
    /// <summary>Draws <paramref name="series"/> to <paramref name="path"/> (.png or .svg).</summary>
    public static void Save(IReadOnlyList<InteractionSeries> series, string path, string? title = null, int width = 900, int height = 560)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < series.Count; i++)
        {
            InteractionSeries s = series[i];
            int[] defined = Enumerable.Range(0, s.Ratios.Count).Where(k => double.IsFinite(s.Strengths[k])).ToArray();
            int[] bounded = defined.Where(k => double.IsFinite(s.Low[k]) && double.IsFinite(s.High[k])).ToArray();
            if (bounded.Length > 1)
            {
                var band = plot.Add.FillY(bounded.Select(k => s.Ratios[k]).ToArray(), bounded.Select(k => s.Low[k]).ToArray(), bounded.Select(k => s.High[k]).ToArray());
                band.FillColor = palette.GetColor(i).WithAlpha(0.18);
                band.LineWidth = 0;
            }
            var line = plot.Add.Scatter(defined.Select(k => s.Ratios[k]).ToArray(), defined.Select(k => s.Strengths[k]).ToArray());
            line.Color = palette.GetColor(i);
            line.LineWidth = 2;
            line.MarkerSize = 6;
            line.LegendText = defined.Length == s.Ratios.Count ? s.Label : $"{s.Label} (no interactions at all: J undefined)";
        }
        var one = plot.Add.HorizontalLine(1);
        one.LinePattern = LinePattern.Dotted;
        one.Color = Colors.Gray;
        one.LegendText = "mean over orders (J = 1)";
        plot.XLabel("order m / n (context size over players)");
        plot.YLabel("J(m), 95% bootstrap interval shaded");
        plot.Title(title ?? "Multi-order interactions (Deng et al. 2022)");
        plot.Axes.SetLimitsX(-0.02, 1.02);
        plot.ShowLegend(Edge.Bottom);
        if (path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase)) plot.SaveSvg(path, width, height);
        else if (path.EndsWith(".png", StringComparison.OrdinalIgnoreCase)) plot.SavePng(path, width, height);
        else throw new InputException("out", IO.OutputFiles.ExtensionProblem(path, IO.OutputFiles.Pictures)!);
    }
}
