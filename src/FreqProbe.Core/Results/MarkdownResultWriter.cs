using System.Text;
using FreqProbe.Core.Evaluation;

namespace FreqProbe.Core.Results;

/// <summary>A Markdown table of the rows, preceded by a short provenance list.</summary>
public sealed class MarkdownResultWriter : IResultWriter
{
    /// <inheritdoc />
    public void Write(SweepSummary summary, Stream output)
    {
        RunMetadata m = summary.Metadata;
        var text = new StringBuilder();
        text.AppendLine($"# FreqProbe: {m.Model} on {m.Dataset}{(m.Split.Length > 0 ? $" ({m.Split})" : "")}");
        text.AppendLine();
        text.AppendLine($"- command: `{m.Command}`");
        text.AppendLine($"- weights: {(m.RandomWeights ? "RANDOM (no --weights)" : $"{m.WeightsName ?? m.WeightsPath} (sha256 {m.WeightsSha256})")}");
        text.AppendLine($"- images: {m.Evaluated} evaluated, {m.Skipped} skipped, of {m.DatasetCount} in {m.DataSource}{(m.Shard is null ? "" : $" (shard {m.Shard})")}");
        text.AppendLine($"- preprocessing: {m.Preprocess}; clip {(m.Clip ? "on" : "off")}");
        text.AppendLine($"- filter convention: {m.FilterConvention}");
        text.AppendLine($"- device {m.Device}, {m.Threads} threads, batch {m.BatchSize}, seed {m.Seed}; {string.Join(", ", m.Versions.Select(v => $"{v.Key} {v.Value}"))}");
        if (m.PerClass)
        {
            text.AppendLine($"- classes: {string.Join(", ", m.ClassNames.Select((name, k) => $"{k} = {name}"))}");
        }
        text.AppendLine();
        text.AppendLine("| " + string.Join(" | ", ResultColumns.NamesFor(summary.Metadata)) + " |");
        text.AppendLine("|" + string.Concat(ResultColumns.NamesFor(summary.Metadata).Select(_ => " --- |")));
        foreach (FilterResult row in summary.Rows)
        {
            text.AppendLine("| " + string.Join(" | ", ResultColumns.Cells(m, row)) + " |");
        }
        byte[] bytes = new UTF8Encoding(false).GetBytes(text.ToString());
        output.Write(bytes);
    }
}
