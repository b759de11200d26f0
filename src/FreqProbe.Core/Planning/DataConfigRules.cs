using System.Globalization;

namespace FreqProbe.Core.Planning;

/// <summary>
/// One rule per data-config field, whether the value comes from an option (<c>--input-size</c>, <c>--crop-pct</c>,
/// <c>--mean</c>, ...) or from the same field of a model card (<c>input_size</c>, <c>crop_pct</c>, <c>mean</c>, ...).
/// Each returns null when the value is good, else what was expected, for the caller to put after its own
/// "--input-size: 4" or "the card X says input_size 4".
/// </summary>
public static class DataConfigRules
{
    /// <summary>The smallest model input side: the filters' radii and the crops need this much.</summary>
    public const int MinInputSize = 8;

    /// <summary>Model-input side in pixels.</summary>
    public static string? InputSize(long size) => size < MinInputSize ? $"expected at least {MinInputSize} pixels" : null;

    /// <summary>A count of model outputs.</summary>
    public static string? NumClasses(long classes) => classes < 1 ? "expected a positive number of outputs (1 or more)" : null;

    /// <summary>timm's crop_pct.</summary>
    public static string? CropPct(double pct) => pct > 0 && pct <= 1 ? null : "expected a fraction in (0, 1], e.g. 0.875";

    /// <summary>The shorter side before the centre crop of <paramref name="inputSize"/>.</summary>
    public static string? ResizeShorter(long resize, long inputSize) => resize < 1 ? "expected a positive number of pixels"
        : resize < inputSize ? string.Create(CultureInfo.InvariantCulture, $"expected at least the input size {inputSize} (the centre crop is taken from the resized image)")
        : null;

    /// <summary>Resize interpolation.</summary>
    public static string? Interpolation(string name) => name is "bilinear" or "bicubic" ? null : "expected bilinear or bicubic";

    /// <summary>
    /// Normalisation statistics: three finite numbers (a std above zero, or every probability would be NaN), or none
    /// (empty: the model normalises itself).
    /// </summary>
    public static string? ChannelStats(IReadOnlyList<float> values, bool positive) =>
        values.Count == 0 || (values.Count == 3 && values.All(v => float.IsFinite(v) && (!positive || v > 0))) ? null : ChannelStatsExpected(positive);

    /// <summary>What <see cref="ChannelStats"/> expects, in words.</summary>
    public static string ChannelStatsExpected(bool positive) =>
        $"expected three {(positive ? "positive " : "")}numbers in [0,1] units (r, g, b), e.g. {(positive ? "0.229,0.224,0.225" : "0.485,0.456,0.406")}, or none";
}
