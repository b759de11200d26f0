using FreqProbe.Core.Charts;
using FreqProbe.Core.Results;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Core.Tests.Results;

/// <summary>Charts from committed results files (written by `freqprobe sweep configs/default.json`).</summary>
public sealed class AccuracyChartTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    [Fact]
    public void Reads_json_and_csv_results_into_curves_with_intervals()
    {
        ChartSeries high = Assert.Single(AccuracyChart.Load(Fixture("results_synthetic_highpass.json"), ChartAxis.Radius));
        Assert.Equal("highpass", high.Filter);
        Assert.Equal(new double[] { 2, 4, 6, 8, 10, 12, 14, 16 }, high.Points.Select(p => p.X));
        Assert.Equal(10, high.Classes);
        Assert.All(high.Points, p => Assert.True(p.Low <= p.Top1 && p.Top1 <= p.High && p.Low >= 0 && p.High <= 1));
        Assert.Contains("builtin", high.Label, StringComparison.Ordinal);

        ChartSeries low = Assert.Single(AccuracyChart.Load(Fixture("results_synthetic_lowpass.csv"), ChartAxis.Energy));
        Assert.Equal(8, low.Points.Count);
        Assert.All(low.Points, p => Assert.InRange(p.X, 0.0, 1.0)); // energy kept, not radii
        Assert.Equal(1.0, low.Clean);
    }

    [Theory]
    [InlineData("chart.png")]
    [InlineData("chart.svg")]
    public void Renders_png_and_svg_of_the_requested_size(string name)
    {
        var series = AccuracyChart.Load(Fixture("results_synthetic_highpass.json"), ChartAxis.Radius)
            .Concat(AccuracyChart.Load(Fixture("results_synthetic_lowpass.csv"), ChartAxis.Radius)).ToArray();
        string path = dir.File(name);
        AccuracyChart.Save(series, ChartAxis.Radius, path, "test", 640, 400);
        if (name.EndsWith(".png", StringComparison.Ordinal))
        {
            Assert.Equal((640, 400), TestImages.Size(path));
        }
        else
        {
            string svg = File.ReadAllText(path);
            Assert.Contains("<svg", svg, StringComparison.Ordinal);
            Assert.Contains("width=\"640\"", svg, StringComparison.Ordinal);
        }
    }

    // The picture itself: each series' markers sit where its data puts them (x linear in the radius, y linear in top-1
    // on the fixed 0-100 % axis, higher accuracy higher up), and the legend names each series, its baseline and chance.
    [Fact]
    public void Each_point_is_drawn_where_its_data_puts_it_and_the_legend_names_every_line()
    {
        ChartSeries[] series = AccuracyChart.Load(Fixture("results_synthetic_highpass.json"), ChartAxis.Radius)
            .Concat(AccuracyChart.Load(Fixture("results_synthetic_lowpass.csv"), ChartAxis.Radius)).ToArray();
        string path = dir.File("content.svg");
        AccuracyChart.Save(series, ChartAxis.Radius, path, "content check", 800, 500);
        SvgContent svg = SvgContent.Read(path);
        string[] palette = { "#1F77B4", "#FF7F0E" }; // Category10, in series order
        Assert.Equal(series.Sum(s => s.Points.Count) + series.Length, svg.Markers.Count); // plus one legend sample per series
        for (int k = 0; k < series.Length; k++)
        {
            var marks = svg.DataMarkers.Where(m => m.Fill.Equals(palette[k], StringComparison.OrdinalIgnoreCase)).OrderBy(m => m.X).ToArray();
            IReadOnlyList<ChartPoint> points = series[k].Points;
            Assert.Equal(points.Count, marks.Length);
            SvgContent.AssertLinear(points.Select((p, i) => (p.X, marks[i].X)).ToArray(), increasing: true);
            // y: the same pixels per percentage point for every point (one axis), higher accuracy higher up.
            SvgContent.AssertLinear(points.Select((p, i) => (100 * p.Top1, marks[i].Y)).ToArray(), increasing: false);
            Assert.Contains(series[k].Label, svg.Text, StringComparison.Ordinal);
        }
        Assert.Contains("content check", svg.Text, StringComparison.Ordinal);
        Assert.Contains("chance (1/10)", svg.Text, StringComparison.Ordinal);
        Assert.Contains("clean 100.0%", svg.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_a_results_table_is_an_input_error()
    {
        string path = dir.File("other.csv");
        File.WriteAllText(path, "a,b\n1,2\n");
        var error = Assert.Throws<InputException>(() => AccuracyChart.Load(path, ChartAxis.Radius));
        Assert.Contains("missing column(s) model", error.Message, StringComparison.Ordinal);
    }
}
