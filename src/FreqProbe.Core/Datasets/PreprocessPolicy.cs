namespace FreqProbe.Core.Datasets;

/// <summary>
/// How a decoded image becomes a model input of <see cref="InputSize"/>×<see cref="InputSize"/> in [0, 1]:
/// with <see cref="ResizeShorter"/> set, resize the shorter side to it (antialiased <see cref="Interpolation"/>) and
/// centre-crop; without, an image of the input size is used as it is and any other size is resized to it exactly.
/// </summary>
public sealed record PreprocessPolicy(int InputSize, int? ResizeShorter, ResizeInterpolation Interpolation = ResizeInterpolation.Bilinear)
{
    /// <summary>CIFAR-style: 32×32, no resize.</summary>
    public static PreprocessPolicy Native(int inputSize) => new(inputSize, null);

    /// <summary>ImageNet-style: shorter side to ⌊size / 0.875⌋ (256 for 224), then centre-crop to size.</summary>
    public static PreprocessPolicy ResizeAndCentreCrop(int inputSize) => new(inputSize, (int)Math.Floor(inputSize / 0.875));

    /// <summary>timm's rule: the shorter side to ⌊<paramref name="inputSize"/> / <paramref name="cropPct"/>⌋, then centre-crop.</summary>
    public static PreprocessPolicy FromCropPct(int inputSize, double cropPct, ResizeInterpolation interpolation = ResizeInterpolation.Bilinear) =>
        new(inputSize, (int)Math.Floor(inputSize / cropPct), interpolation);

    /// <summary>The interpolation's name as cards and the command line spell it.</summary>
    public string InterpolationName => Interpolation == ResizeInterpolation.Bicubic ? "bicubic" : "bilinear";

    /// <summary>A description for result files.</summary>
    public string Describe() => ResizeShorter is { } s
        ? $"resize shorter side to {s} (antialiased {InterpolationName}), centre-crop {InputSize}, scale to [0,1]"
        : $"{InputSize}x{InputSize} as stored (other sizes resized exactly{(Interpolation == ResizeInterpolation.Bicubic ? ", bicubic" : "")}), scale to [0,1]";
}
