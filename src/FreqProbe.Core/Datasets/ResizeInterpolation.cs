namespace FreqProbe.Core.Datasets;

/// <summary>The resampling filter of a resize, antialiased when shrinking as PIL and torch's <c>antialias=True</c> are.</summary>
public enum ResizeInterpolation
{
    /// <summary>Triangle filter, support 1 (PIL BILINEAR; torchvision's default).</summary>
    Bilinear,
    /// <summary>Keys cubic with a = -0.5, support 2 (PIL BICUBIC; timm's default for most models), clamped to [0, 1] after each pass as PIL clamps to bytes.</summary>
    Bicubic,
}
