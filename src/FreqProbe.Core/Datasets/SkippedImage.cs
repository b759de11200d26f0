namespace FreqProbe.Core.Datasets;

/// <summary>An image left out under <see cref="BadImagePolicy.Skip"/>: its dataset index, what it is and why.</summary>
public sealed record SkippedImage(int Index, string Item, string Reason);
