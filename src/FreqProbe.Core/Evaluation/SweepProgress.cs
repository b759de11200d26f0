namespace FreqProbe.Core.Evaluation;

/// <summary>How far a sweep has got: images done out of the total, and the time since the first batch started.</summary>
public readonly record struct SweepProgress(int ImagesDone, int ImagesTotal, TimeSpan Elapsed);
