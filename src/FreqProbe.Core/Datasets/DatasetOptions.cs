namespace FreqProbe.Core.Datasets;

/// <summary>What the user asked for: a dataset name and where its files are.</summary>
public sealed record DatasetOptions(string Name, string? DataPath, string Split = "test", string? ClassesFile = null, int GeneratedCount = 0, ulong Seed = 0);
