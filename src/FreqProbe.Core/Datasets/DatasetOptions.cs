namespace FreqProbe.Core.Datasets;

/// <summary>What the user asked for: a dataset name, where its files are, and for generated data its size (0: default) and seed.</summary>
public sealed record DatasetOptions(string Name, string? DataPath, string Split = "test", string? ClassesFile = null, int GeneratedCount = 0, ulong Seed = 0);
