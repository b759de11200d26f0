using ScottPlot;

namespace FreqProbe.Core.Charts;

/// <summary>One radial profile: relative density per whole-cycle annulus.</summary>
/// <param name="Label">Legend text.</param>
/// <param name="Radii">Inner radius r of each annulus r ≤ d &lt; r + 1, cycles per image.</param>
/// <param name="Density">Mean per coefficient in the annulus ÷ the mean over the grid.</param>
public sealed record ProfileSeries(string Label, IReadOnlyList<double> Radii, IReadOnlyList<double> Density);

/// <summary>Radial profiles of several results in one chart (log y axis), as PNG or SVG.</summary>
public static class ProfileChart
{
    /// <summary>Draws <paramref name="series"/> to <paramref name="path"/> (.png or .svg).</summary>
    public static void Save(IReadOnlyList<ProfileSeries> series, string path, string yLabel, string title, int width = 900, int height = 560)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        double lowest = double.PositiveInfinity, highest = double.NegativeInfinity;
        for (int i = 0; i < series.Count; i++)
        {
            ProfileSeries s = series[i];
            int[] shown = Enumerable.Range(0, s.Radii.Count).Where(k => s.Density[k] > 0 && double.IsFinite(s.Density[k])).ToArray();
            double[] ys = shown.Select(k => Math.Log10(s.Density[k])).ToArray();
            if (ys.Length > 0)
            {
                lowest = Math.Min(lowest, ys.Min());
                highest = Math.Max(highest, ys.Max());
            }
            var line = plot.Add.Scatter(shown.Select(k => s.Radii[k]).ToArray(), ys);
            line.Color = palette.GetColor(i);
            line.LineWidth = 2;
            line.MarkerSize = 5;
            line.LegendText = s.Label;
        }
        var one = plot.Add.HorizontalLine(0);
        one.LinePattern = LinePattern.Dotted;
        one.Color = Colors.Gray;
        one.LegendText = "flat spectrum (density 1)";
        // Decades on a log axis: ticks at whole powers of ten, labelled as such.
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        if (double.IsFinite(lowest))
        {
            for (int p = (int)Math.Floor(Math.Min(lowest, 0)); p <= (int)Math.Ceiling(Math.Max(highest, 0)); p++) ticks.AddMajor(p, p == 0 ? "1" : $"1e{p}");
            plot.Axes.Left.TickGenerator = ticks;
        }
        plot.XLabel("radius r (cycles per image; annulus r <= d < r + 1)");
        plot.YLabel(yLabel);
        plot.Title(title);
        plot.ShowLegend(Edge.Bottom);
        if (path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase)) plot.SaveSvg(path, width, height);
        else if (path.EndsWith(".png", StringComparison.OrdinalIgnoreCase)) plot.SavePng(path, width, height);
        else throw new InputException("out", IO.OutputFiles.ExtensionProblem(path, IO.OutputFiles.Pictures)!);
    }
}
