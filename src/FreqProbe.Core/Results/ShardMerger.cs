using System.Globalization;
using FreqProbe.Core.Evaluation;

namespace FreqProbe.Core.Results;

/// <summary>
/// Combines the results of shards 0..N−1 of one run. Counts and sums add, so top-1, top-5, agreement, energy and
/// per-class numbers equal an unsharded run's; intervals are recomputed from the counts. Refuses missing or repeated
/// shards and shards of different runs (model, weights, data, preprocessing, filters), naming what differs.
/// </summary>
public static class ShardMerger
{
    /// <summary>Merges <paramref name="shards"/> (path, summary); <paramref name="command"/> is recorded as the merged run's command.</summary>
    public static SweepSummary Merge(IReadOnlyList<(string Path, SweepSummary Summary)> shards, string command)
    {
        CheckShards(shards.Select(s => (s.Path, s.Summary.Metadata)).ToArray(), Array.Empty<Planning.Setting>(), _ => Array.Empty<string>());
        SweepSummary first = shards[0].Summary;

        var rows = new List<FilterResult>();
        for (int r = 0; r < first.Rows.Count; r++)
        {
            FilterResult[] parts = shards.Select(s => s.Summary.Rows[r]).ToArray();
            int classes = parts[0].ClassTotals.Count;
            rows.Add(new FilterResult(parts[0].Filter, parts.Sum(p => p.N), parts.Sum(p => p.Correct),
                parts[0].Top5Correct is null ? null : parts.Sum(p => p.Top5Correct ?? 0), parts.Sum(p => p.Agreeing),
                parts.Sum(p => p.EnergyKeptSum), parts[0].CoefficientsKept)
            {
                ClassTotals = Enumerable.Range(0, classes).Select(k => parts.Sum(p => p.ClassTotals[k])).ToArray(),
                ClassCorrect = Enumerable.Range(0, classes).Select(k => parts.Sum(p => p.ClassCorrect[k])).ToArray(),
            });
        }
        RunMetadata metadata = MergedMetadata(shards.Select(s => s.Summary.Metadata).ToArray(), command);
        var skipped = shards.SelectMany(s => s.Summary.Skipped).OrderBy(s => s.Index).ToArray();
        var warnings = shards.SelectMany(s => s.Summary.Warnings).Distinct().Append(
            string.Create(CultureInfo.InvariantCulture, $"merged from {shards.Count} shards: {string.Join(", ", shards.Select(s => s.Path))}")).ToArray();
        return new SweepSummary(metadata, rows, skipped, warnings);
    }

    /// <summary>The first shard's metadata as the merged run's: no shard, summed counts, the whole time span.</summary>
    public static RunMetadata MergedMetadata(IReadOnlyList<RunMetadata> shards, string command) => shards[0] with
    {
        Command = command,
        Shard = null,
        Scheduler = shards.Any(s => s.Scheduler is not null)
            ? string.Join("; ", shards.Select(s => $"{s.Shard}: {s.Scheduler ?? "no scheduler"}"))
            : null,
        Evaluated = shards.Sum(s => s.Evaluated),
        Skipped = shards.Sum(s => s.Skipped),
        StartedUtc = shards.Min(s => s.StartedUtc),
        FinishedUtc = shards.Max(s => s.FinishedUtc),
    };

    /// <summary>
    /// Checks that <paramref name="shards"/> are shards 0..N−1 of one run, each once, and that nothing that changes the
    /// numbers differs between them: the run settings, the analysis's own <paramref name="analysis"/> (recorded in
    /// <see cref="RunMetadata.Parameters"/>), and what <paramref name="otherDifferences"/> adds for shard k against shard
    /// 0; otherwise throws an <see cref="InputException"/> listing every problem.
    /// </summary>
    public static void CheckShards(IReadOnlyList<(string Path, RunMetadata Metadata)> shards, IReadOnlyList<Planning.Setting> analysis,
        Func<int, IEnumerable<string>> otherDifferences)
    {
        if (shards.Count == 0) throw new InputException("merge: no result files given.");
        var problems = new List<string>();
        var (firstPath, first) = shards[0];
        var seen = new Dictionary<int, string>();
        int? total = null;
        for (int k = 0; k < shards.Count; k++)
        {
            var (path, metadata) = shards[k];
            if (metadata.Shard is not { } text)
            {
                problems.Add($"{path}: not a shard (it was run without --shard).");
                continue;
            }
            ShardSpec shard = ShardSpec.Parse(text);
            if (total is { } n && n != shard.Count) problems.Add($"{path}: shard {text} is one of {shard.Count}, but {firstPath} is one of {n}.");
            total ??= shard.Count;
            if (seen.TryGetValue(shard.Index, out string? other)) problems.Add($"{path}: shard {text} is given twice (also {other}).");
            else seen[shard.Index] = path;
            foreach (string difference in Differences(first, metadata, analysis).Concat(otherDifferences(k))) problems.Add($"{path}: {difference} differs from {firstPath}.");
        }
        if (total is { } count)
        {
            int[] missing = Enumerable.Range(0, count).Where(k => !seen.ContainsKey(k)).ToArray();
            if (missing.Length > 0) problems.Add($"missing shard(s) {string.Join(", ", missing.Select(k => $"{k}/{count}"))}; expected all of 0..{count - 1}/{count}.");
        }
        if (problems.Count > 0) throw new InputException("merge refused:\n  " + string.Join("\n  ", problems));
    }

    // What makes two shards parts of the same run: every setting that changes the numbers (the settings table's
    // identities; settings recorded together, like the radii and the mask shape, are named together), and the convention.
    static IEnumerable<string> Differences(RunMetadata first, RunMetadata other, IReadOnlyList<Planning.Setting> analysis)
    {
        foreach ((Planning.RecordedValue value, string firstValue) in Planning.RunSettings.ShardDifferences(first, other, analysis))
        {
            yield return $"{value.Names} ({value.Value} vs {firstValue})";
        }
        if (first.FilterConvention != other.FilterConvention) yield return $"filter convention ({other.FilterConvention} vs {first.FilterConvention})";
    }
}
