using FreqProbe.Core.Datasets;

namespace FreqProbe.Core.Evaluation;

/// <summary>The immutable outcome of a sweep: provenance, one row per filter setting (baseline first), skipped images and warnings.</summary>
public sealed record SweepSummary(RunMetadata Metadata, IReadOnlyList<FilterResult> Rows, IReadOnlyList<SkippedImage> Skipped, IReadOnlyList<string> Warnings);
