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

    [Fact]
    public void A_file_that_is_not_a_results_table_is_an_input_error()
    {
        string path = dir.File("other.csv");
        File.WriteAllText(path, "a,b\n1,2\n");
        var error = Assert.Throws<InputException>(() => AccuracyChart.Load(path, ChartAxis.Radius));
        Assert.Contains("missing column(s) model", error.Message, StringComparison.Ordinal);
    }
}
