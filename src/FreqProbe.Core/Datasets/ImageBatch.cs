namespace FreqProbe.Core.Datasets;

/// <summary>
/// Preprocessed images ready for the device: <see cref="Pixels"/> holds <see cref="Count"/> images as
/// [Count, 3, Size, Size] floats in [0, 1], with their dataset indices and labels.
/// </summary>
public sealed record ImageBatch(float[] Pixels, int Count, int Size, int[] Indices, int[] Labels, IReadOnlyList<SkippedImage> Skipped);
