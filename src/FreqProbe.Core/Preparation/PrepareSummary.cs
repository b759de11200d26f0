namespace FreqProbe.Core.Preparation;

/// <summary>What <see cref="ImageNetValPreparer"/> did, and everything it could not do.</summary>
public sealed record PrepareSummary(
    string OutputFolder,
    int Placed,
    IReadOnlyDictionary<string, int> PlacedPerClass,
    IReadOnlyDictionary<string, int> ExpectedPerClass,
    IReadOnlyList<string> MissingImages,
    IReadOnlyList<string> Unplaced,
    IReadOnlyList<string> GroundTruthProblems,
    IReadOnlyList<string> CountMismatches,
    int LinkFallbacks)
{
    /// <summary>True when every ground-truth entry was placed and every image had a class.</summary>
    public bool Complete => MissingImages.Count == 0 && Unplaced.Count == 0 && GroundTruthProblems.Count == 0 && CountMismatches.Count == 0;
}
