using System.Globalization;

namespace FreqProbe.Core.Spectral;

/// <summary>
/// One frequency filter, as an immutable value: "low-pass, circle, ideal, r = 8". Radii are in cycles per image at
/// the model-input resolution (CONVENTIONS.md). The filter computes its own mask; the engine never branches on
/// the kind.
/// </summary>
public sealed record FrequencyFilter(FilterKind Kind, MaskShape Shape, MaskProfile Profile, double Radius, double OuterRadius)
{
    /// <summary>The unfiltered baseline.</summary>
    public static FrequencyFilter Clean { get; } = new(FilterKind.None, MaskShape.Circle, MaskProfile.Ideal, 0, 0);

    /// <summary>A low-pass keeping d &lt; <paramref name="radius"/>.</summary>
    public static FrequencyFilter LowPass(double radius, MaskShape shape = MaskShape.Circle, MaskProfile profile = MaskProfile.Ideal) =>
        new(FilterKind.LowPass, shape, profile, radius, 0);

    /// <summary>A high-pass keeping d ≥ <paramref name="radius"/>.</summary>
    public static FrequencyFilter HighPass(double radius, MaskShape shape = MaskShape.Circle, MaskProfile profile = MaskProfile.Ideal) =>
        new(FilterKind.HighPass, shape, profile, radius, 0);

    /// <summary>A band-pass keeping <paramref name="inner"/> ≤ d &lt; <paramref name="outer"/>.</summary>
    public static FrequencyFilter BandPass(double inner, double outer, MaskShape shape = MaskShape.Circle, MaskProfile profile = MaskProfile.Ideal) =>
        new(FilterKind.BandPass, shape, profile, inner, outer);

    /// <summary>Rebuilds a filter from the names written in result files (filter, shape, profile, radius).</summary>
    public static FrequencyFilter FromLabels(string kind, string shape, string profile, string radius)
    {
        if (kind == "none") return Clean;
        MaskShape s = shape == "square" ? MaskShape.Square : MaskShape.Circle;
        MaskProfile p = profile == "gaussian" ? MaskProfile.Gaussian : MaskProfile.Ideal;
        double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        return kind switch
        {
            "lowpass" => LowPass(Number(radius), s, p),
            "highpass" => HighPass(Number(radius), s, p),
            "bandpass" => BandPass(Number(radius.Split('-')[0]), Number(radius.Split('-')[1]), s, p),
            _ => throw new FormatException($"unknown filter '{kind}'"),
        };
    }

    /// <summary>The name written in result files: none, lowpass, highpass or bandpass.</summary>
    public string KindName => Kind switch
    {
        FilterKind.None => "none",
        FilterKind.LowPass => "lowpass",
        FilterKind.HighPass => "highpass",
        _ => "bandpass",
    };

    /// <summary>The radius as written in result files: empty for the baseline, "r1-r2" for a band.</summary>
    public string RadiusLabel => Kind switch
    {
        FilterKind.None => "",
        FilterKind.BandPass => $"{Format(Radius)}-{Format(OuterRadius)}",
        _ => Format(Radius),
    };

    /// <summary>The shape name written in result files.</summary>
    public string ShapeName => Shape == MaskShape.Circle ? "circle" : "square";

    /// <summary>The profile name written in result files.</summary>
    public string ProfileName => Profile == MaskProfile.Ideal ? "ideal" : "gaussian";

    /// <summary>The mask value at distance <paramref name="d"/> from DC, in [0, 1].</summary>
    public double Weight(double d) => Kind switch
    {
        FilterKind.None => 1.0,
        FilterKind.LowPass => Low(d, Radius),
        FilterKind.HighPass => 1.0 - Low(d, Radius),
        _ => Low(d, OuterRadius) - Low(d, Radius),
    };

    /// <summary>The distance of frequency (u, v), in cycles per image, under this filter's shape.</summary>
    public double Distance(int u, int v) =>
        Shape == MaskShape.Circle ? Math.Sqrt((double)u * u + (double)v * v) : Math.Max(Math.Abs(u), Math.Abs(v));

    // Low-pass weight at d. Gaussian r = 0 is taken as its limit away from DC, all zero, so that r = 0 means
    // "keep nothing" for both profiles.
    double Low(double d, double r)
    {
        if (Profile == MaskProfile.Ideal) return d < r ? 1.0 : 0.0;
        return r <= 0 ? 0.0 : Math.Exp(-(d * d) / (2 * r * r));
    }

    static string Format(double r) => r.ToString("0.####", CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public override string ToString() => Kind == FilterKind.None ? "none" : $"{KindName} {RadiusLabel} ({ShapeName}, {ProfileName})";
}
