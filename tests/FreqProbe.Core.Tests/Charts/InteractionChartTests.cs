using FreqProbe.Core.Charts;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Core.Tests.Charts;

/// <summary>The interaction chart's picture: its points where J(m) puts them, undefined orders left out and said so.</summary>
public sealed class InteractionChartTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public void Points_sit_at_their_order_and_strength_and_an_undefined_strength_is_left_out_and_named()
    {
        double[] ratios = { 0, 0.25, 0.5, 0.75, 1 };
        var full = new InteractionSeries("model-a", ratios, new[] { 2.0, 0.6, 0.3, 0.5, 1.6 }, new[] { 1.8, 0.5, 0.2, 0.4, 1.4 }, new[] { 2.2, 0.7, 0.4, 0.6, 1.8 });
        var partial = new InteractionSeries("model-b", ratios, new[] { 1.2, double.NaN, 0.9, 1.0, 0.8 }, new[] { 1.1, double.NaN, 0.8, 0.9, 0.7 },
            new[] { 1.3, double.NaN, 1.0, 1.1, 0.9 });
        string path = dir.File("j.svg");
        InteractionChart.Save(new[] { full, partial }, path, "content check", 800, 500);
        SvgContent svg = SvgContent.Read(path);

        var points = new List<(double Ratio, double J, double X, double Y)>();
        foreach ((InteractionSeries s, string colour) in new[] { (full, "#1F77B4"), (partial, "#FF7F0E") })
        {
            var marks = svg.DataMarkers.Where(m => m.Fill.Equals(colour, StringComparison.OrdinalIgnoreCase)).OrderBy(m => m.X).ToArray();
            int[] defined = Enumerable.Range(0, ratios.Length).Where(k => double.IsFinite(s.Strengths[k])).ToArray();
            Assert.Equal(defined.Length, marks.Length);
            points.AddRange(defined.Select((k, i) => (ratios[k], s.Strengths[k], marks[i].X, marks[i].Y)));
        }
        // One x axis and one y axis for both series: pixels are one linear function of the data on each.
        SvgContent.AssertLinear(points.Select(p => (p.Ratio, p.X)).ToArray(), increasing: true);
        SvgContent.AssertLinear(points.Select(p => (p.J, p.Y)).ToArray(), increasing: false);
        Assert.Contains("model-a", svg.Text, StringComparison.Ordinal);
        Assert.Contains("model-b (no interactions at all: J undefined)", svg.Text, StringComparison.Ordinal);
        Assert.Contains("mean over orders (J = 1)", svg.Text, StringComparison.Ordinal);
        Assert.Contains("content check", svg.Text, StringComparison.Ordinal);
    }
}
