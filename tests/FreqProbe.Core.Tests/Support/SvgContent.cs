using System.Globalization;
using System.Text.RegularExpressions;

namespace FreqProbe.Core.Tests.Support;

/// <summary>What a chart saved as SVG draws: its markers (filled ellipses, by colour) and its text, for content checks.</summary>
public sealed partial class SvgContent
{
    SvgContent(IReadOnlyList<(string Fill, double X, double Y)> markers, string text, (double X, double Y, double Width, double Height) dataArea)
    {
        Markers = markers;
        Text = text;
        DataArea = dataArea;
    }

    /// <summary>The plot's data area (the first clip rectangle), in pixels.</summary>
    public (double X, double Y, double Width, double Height) DataArea { get; }

    /// <summary>The markers inside the data area: the data points, not the legend's samples.</summary>
    public IEnumerable<(string Fill, double X, double Y)> DataMarkers => Markers.Where(m =>
        m.X >= DataArea.X - 0.5 && m.X <= DataArea.X + DataArea.Width + 0.5 && m.Y >= DataArea.Y - 0.5 && m.Y <= DataArea.Y + DataArea.Height + 0.5);

    /// <summary>Every filled ellipse: its fill colour and centre in pixels.</summary>
    public IReadOnlyList<(string Fill, double X, double Y)> Markers { get; }

    /// <summary>The SVG's text (legend entries, titles, labels are in it verbatim, XML-escaped).</summary>
    public string Text { get; }

    /// <summary>Reads the SVG file at <paramref name="path"/>.</summary>
    public static SvgContent Read(string path)
    {
        string svg = File.ReadAllText(path);
        var markers = Ellipse().Matches(svg).Select(m => (m.Groups[1].Success ? m.Groups[1].Value : "#000000",
            double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture))).ToArray();
        Match clip = ClipRect().Match(svg);
        double Number(int group) => double.Parse(clip.Groups[group].Value, CultureInfo.InvariantCulture);
        var area = clip.Success ? (Number(1), Number(2), Number(3), Number(4)) : (0.0, 0.0, double.MaxValue, double.MaxValue);
        return new SvgContent(markers, System.Net.WebUtility.HtmlDecode(svg), area);
    }

    /// <summary>
    /// Asserts that pixels are one linear function of the data (one chart axis), within half a pixel: increasing for
    /// x, decreasing for y (SVG's y grows downwards).
    /// </summary>
    public static void AssertLinear(IReadOnlyList<(double Data, double Pixel)> pairs, bool increasing)
    {
        (double d0, double p0) = pairs.MinBy(p => p.Data);
        (double d1, double p1) = pairs.MaxBy(p => p.Data);
        Assert.True(d1 > d0, "the data should span a range");
        double scale = (p1 - p0) / (d1 - d0);
        Assert.True(increasing ? scale > 0 : scale < 0, $"pixels per unit {scale}: {(increasing ? "larger values must be drawn further right" : "larger values must be drawn higher up")}");
        foreach ((double data, double pixel) in pairs) Assert.Equal(p0 + scale * (data - d0), pixel, 0.5);
    }

    // A marker without a fill attribute is SVG's default, black.
    [GeneratedRegex("<ellipse(?: fill=\"(#[0-9A-Fa-f]{6})\")? cx=\"([-0-9.eE]+)\" cy=\"([-0-9.eE]+)\"")]
    private static partial Regex Ellipse();

    [GeneratedRegex("<clipPath[^>]*>\\s*<rect x=\"([-0-9.eE]+)\" y=\"([-0-9.eE]+)\" width=\"([-0-9.eE]+)\" height=\"([-0-9.eE]+)\"")]
    private static partial Regex ClipRect();
}
