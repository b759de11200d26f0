namespace FreqProbe.Core.Datasets;

/// <summary>
/// What the user asked for: a dataset name, where its files are, for generated data its size (0: default) and seed,
/// and for image files the most pixels a header may declare (larger ones are refused before decoding).
/// </summary>
public sealed record DatasetOptions(string Name, string? DataPath, string Split = "test", string? ClassesFile = null, int GeneratedCount = 0, ulong Seed = 0,
    long MaxImagePixels = ImageFileCheck.DefaultMaxPixels);
