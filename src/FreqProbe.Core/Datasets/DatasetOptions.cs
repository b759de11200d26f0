namespace FreqProbe.Core.Datasets;

/// <summary>
/// What the user asked for: a dataset name, where its files are, for generated data its size (0: default) and seed,
/// for image files the most pixels a header may declare (larger ones are refused before decoding), and, for the
/// random-label experiment, the seed of a permutation of the labels (<see cref="RelabeledDataset"/>; null keeps them).
/// </summary>
public sealed record DatasetOptions(string Name, string? DataPath, string Split = "test", string? ClassesFile = null, int GeneratedCount = 0, ulong Seed = 0,
    long MaxImagePixels = ImageFileCheck.DefaultMaxPixels, ulong? ShuffleLabelsSeed = null);
