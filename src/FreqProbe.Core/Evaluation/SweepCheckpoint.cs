using System.Text;
using System.Text.Json;
using FreqProbe.Core.Datasets;
using FreqProbe.Core.IO;
using FreqProbe.Core.Spectral;

namespace FreqProbe.Core.Evaluation;

/// <summary>
/// The state of an unfinished sweep, saved atomically beside its results file: how many of the run's images are
/// done, the exact counts and sums so far, skipped images, and the length of the predictions file at that point.
/// A fingerprint of everything that changes the numbers guards against resuming a different run.
/// </summary>
public sealed record SweepCheckpoint
{
    /// <summary>The current format: the fingerprint is the settings table's (<see cref="RunRequest.Fingerprint"/>).</summary>
    public const string CurrentFormat = FormatTags.Checkpoint;

    /// <summary>Format tag; null for checkpoints of the first format, whose fingerprint was a fixed list of values.</summary>
    public string? Format { get; init; }
    /// <summary>Images (of the run's index list) finished.</summary>
    public int Done { get; init; }
    /// <summary>Everything that changes the numbers, in words.</summary>
    public required string Fingerprint { get; init; }
    /// <summary>Counts per setting, baseline first.</summary>
    public required IReadOnlyList<SavedTally> Tallies { get; init; }
    /// <summary>Images skipped so far.</summary>
    public IReadOnlyList<SkippedImage> Skipped { get; init; } = Array.Empty<SkippedImage>();
    /// <summary>Bytes of the predictions file that belong to the finished images, or null without predictions.</summary>
    public long? PredictionBytes { get; init; }
    /// <summary>When the run first started.</summary>
    public DateTimeOffset StartedUtc { get; init; }
    /// <summary>The data's content stamp when the run started (<see cref="Datasets.IImageDataset.ContentStamp"/>); null in older checkpoints.</summary>
    public string? DataStamp { get; init; }
    /// <summary>
    /// The verification key of the execution path the run used (<see cref="Execution.ExecutionPlan.VerificationKey"/>);
    /// the path itself is part of <see cref="Fingerprint"/>. Null in older checkpoints.
    /// </summary>
    public string? Verification { get; init; }
    /// <summary>SHA-256 of the checkpoint's own JSON without this field; null in checkpoints written before it existed.</summary>
    public string? Checksum { get; init; }

    /// <summary>Counts of one setting.</summary>
    public sealed record SavedTally(long N, long Correct, long? Top5Correct, long Agreeing, double EnergyKeptSum, long[] ClassTotals, long[] ClassCorrect);

    /// <summary>The input error for a checkpoint that cannot be used: nothing was overwritten, and how to go on.</summary>
    public static InputException Corrupt(string path, string why, Exception? inner = null) =>
        new("resume", $"checkpoint {path} is corrupt or does not belong to this run: {why}; nothing was overwritten. Delete it, or run without --resume to start afresh.", inner);

    /// <summary>The checkpoint path for a results file.</summary>
    public static string PathFor(string resultsPath) => resultsPath + ".checkpoint.json";

    /// <summary>Writes the checkpoint atomically, sealed with the checksum of its content.</summary>
    public void Save(string path)
    {
        SweepCheckpoint sealedCopy = this with { Checksum = ContentChecksum() };
        AtomicFile.Write(path, s => s.Write(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(sealedCopy))));
    }

    string ContentChecksum() => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
        Encoding.UTF8.GetBytes(JsonSerializer.Serialize(this with { Checksum = null }))));

    /// <summary>
    /// Why this checkpoint cannot belong to a run over <paramref name="images"/> images with <paramref name="settings"/>
    /// settings (baseline included) and <paramref name="classes"/> dataset classes, or null when it can.
    /// </summary>
    public string? Inconsistency(int images, int settings, int classes)
    {
        if (Done < 0 || Done > images) return $"it claims {Done} images done of a run over {images}";
        if (Tallies.Count != settings) return $"it holds {Tallies.Count} settings, the run has {settings}";
        if (Skipped.Count > Done) return $"it lists {Skipped.Count} skipped images but only {Done} done";
        long evaluated = Done - Skipped.Count;
        foreach (SavedTally t in Tallies)
        {
            if (t.N != evaluated || t.Correct < 0 || t.Correct > t.N || t.Agreeing < 0 || t.Agreeing > t.N || t.Top5Correct is < 0 || t.Top5Correct > t.N
                || t.ClassTotals.Length != classes || t.ClassCorrect.Length != classes || t.ClassTotals.Sum() != t.N
                || t.ClassCorrect.Where((c, k) => c < 0 || c > t.ClassTotals[k]).Any() || !(t.EnergyKeptSum >= 0) || t.EnergyKeptSum > t.N + 1e-6 * t.N)
            {
                return $"its counts do not add up (n = {t.N} for {Done} images done, {Skipped.Count} skipped)";
            }
        }
        return PredictionBytes is < 0 ? $"it claims {PredictionBytes} bytes of predictions" : null;
    }

    /// <summary>Reads a checkpoint, or null when there is none.</summary>
    public static SweepCheckpoint? Load(string path)
    {
        if (!File.Exists(path)) return null;
        SweepCheckpoint? checkpoint;
        try
        {
            checkpoint = JsonSerializer.Deserialize<SweepCheckpoint>(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw Corrupt(path, $"it is not a checkpoint ({e.Message.Split(" Path:", 2)[0]})", e);
        }
        if (checkpoint?.Tallies is null || checkpoint.Fingerprint is null || checkpoint.Skipped is null || checkpoint.Tallies.Any(t => t?.ClassTotals is null || t.ClassCorrect is null))
        {
            throw Corrupt(path, "it lacks the counts a checkpoint holds");
        }
        if (checkpoint.Checksum is { } saved && saved != checkpoint.ContentChecksum()) throw Corrupt(path, "its content does not match its checksum (it was edited or damaged)");
        return checkpoint;
    }

    /// <summary>
    /// The fingerprint of a session's run: every setting of the settings table that changes the numbers, as its
    /// provenance would record it (<see cref="RunRequest.Fingerprint"/>, which the resolver sets).
    /// </summary>
    public static string FingerprintOf(EvaluationSession session)
    {
        Func<RunMetadata, string> fingerprint = session.Request.Fingerprint
            ?? throw new InvalidOperationException("a run with a checkpoint needs RunRequest.Fingerprint (the settings table's)");
        return fingerprint(session.Metadata(SweepRunner.FilterConvention, session.Request.Clip, 0, 0, DateTimeOffset.UnixEpoch) with { PerClass = session.Request.PerClass });
    }

    /// <summary>
    /// True when this checkpoint was saved by a run of the same settings as <paramref name="session"/>'s, whose
    /// fingerprint (<see cref="FingerprintOf"/>) is <paramref name="fingerprint"/>.
    /// </summary>
    public bool Matches(EvaluationSession session, string fingerprint) => Format is null
        ? Fingerprint == LegacyFingerprint(session.Request, session.WeightsSha256)
        : Fingerprint == fingerprint;

    // The first format's fingerprint, so that a run interrupted before an upgrade still resumes after it.
    static string LegacyFingerprint(RunRequest r, string? weightsSha) => string.Join(" | ",
        r.Model.Name, weightsSha ?? $"random seed {r.Seed}", r.NumClasses?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
        r.Dataset.Name, r.Dataset.DataPath ?? "", r.Dataset.Split, r.Dataset.ClassesFile ?? "", r.Limit?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
        r.Shard?.ToString() ?? "", r.Preprocess.Describe(), string.Join(',', r.Mean), string.Join(',', r.Std), r.Clip ? "clip" : "",
        r.OnBadImage.ToString(), r.Precision, r.Layout, string.Join(' ', r.Filters.Select(f => f.ToString())));
}
