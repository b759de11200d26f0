using System.Globalization;
using System.Text;
using System.Text.Json;
using CsvHelper;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.IO;

namespace FreqProbe.Core.Results;

/// <summary>
/// The files a config sweep writes beside its runs' results: <c>summary.csv</c> (every run's rows, keyed by run),
/// <c>summary.md</c> (a table for people) and <c>summary.json</c> (the config, its digest and each run's command).
/// </summary>
public static class SweepSummaryFiles
{
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The sweep as a whole.</summary>
    /// <param name="ConfigPath">The config file as given.</param>
    /// <param name="ConfigSha256">SHA-256 of its bytes.</param>
    /// <param name="Description">Its description, if any.</param>
    /// <param name="CommandLine">The sweep's own command line.</param>
    /// <param name="Planned">Runs planned (some may not have finished).</param>
    public sealed record Sweep(string ConfigPath, string ConfigSha256, string? Description, string CommandLine, int Planned);

    /// <summary>One finished run.</summary>
    /// <param name="Name">The run's name in the config.</param>
    /// <param name="Command">The single command it equals.</param>
    /// <param name="ResultsPath">Its JSON results.</param>
    /// <param name="Metadata">Its provenance.</param>
    /// <param name="Rows">Its accuracy rows; none for an analysis run (a heat map, interactions), which is listed in summary.json only.</param>
    public sealed record FinishedRun(string Name, string Command, string ResultsPath, RunMetadata Metadata, IReadOnlyList<FilterResult> Rows)
    {
        /// <summary>A filter run, from its results.</summary>
        public FinishedRun(string name, string command, string resultsPath, SweepSummary summary) : this(name, command, resultsPath, summary.Metadata, summary.Rows)
        {
        }
    }

    /// <summary>Writes the three summary files into <paramref name="outDir"/>, each atomically.</summary>
    public static void Write(string outDir, Sweep sweep, IReadOnlyList<FinishedRun> finished)
    {
        string csvPath = Path.Combine(outDir, "summary.csv");
        AtomicFile.Write(csvPath, stream =>
        {
            using var text = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
            using var csv = new CsvWriter(text, CultureInfo.InvariantCulture);
            csv.WriteField("run");
            foreach (string name in ResultColumns.Names) csv.WriteField(name);
            csv.WriteField("weights_sha256");
            csv.NextRecord();
            foreach ((string name, _, _, RunMetadata metadata, IReadOnlyList<FilterResult> rows) in finished)
            {
                foreach (FilterResult row in rows)
                {
                    csv.WriteField(name);
                    foreach (string cell in ResultColumns.Cells(metadata with { PerClass = false }, row)) csv.WriteField(cell);
                    csv.WriteField(metadata.WeightsSha256 ?? "random");
                    csv.NextRecord();
                }
            }
        });

        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"# Sweep `{sweep.ConfigPath}`\n\n");
        if (sweep.Description is not null) md.Append(CultureInfo.InvariantCulture, $"{sweep.Description}\n\n");
        md.Append(CultureInfo.InvariantCulture, $"{finished.Count} of {sweep.Planned} runs finished. Top-1 in percent (95% Wilson interval); agreement with the unfiltered prediction.\n\n");
        md.Append("| run | model | dataset | filter | radius | n | top-1 % | interval | agreement % |\n|---|---|---|---|---|---:|---:|---|---:|\n");
        foreach ((string name, _, _, RunMetadata metadata, IReadOnlyList<FilterResult> rows) in finished)
        {
            foreach (FilterResult row in rows)
            {
                var interval = row.Top1Interval;
                md.Append(CultureInfo.InvariantCulture,
                    $"| {name} | {metadata.Model} | {metadata.Dataset} | {row.Filter.KindName} | {row.Filter.RadiusLabel} | {row.N} | {100 * row.Top1:0.00} | {100 * interval.Low:0.00}–{100 * interval.High:0.00} | {100 * row.Agreement:0.00} |\n");
            }
        }
        AtomicFile.Write(Path.Combine(outDir, "summary.md"), stream => stream.Write(Encoding.UTF8.GetBytes(md.ToString())));

        var provenance = new
        {
            format = FormatTags.SweepSummary,
            config = sweep.ConfigPath,
            config_sha256 = sweep.ConfigSha256,
            description = sweep.Description,
            command = sweep.CommandLine,
            runs_planned = sweep.Planned,
            runs = finished.Select(f => new
            {
                name = f.Name,
                command = f.Command,
                results = f.ResultsPath,
                rows = f.Rows.Count,
                evaluated = f.Metadata.Evaluated,
            }),
            versions = Native.TorchBackend.Versions(),
            written_utc = DateTimeOffset.UtcNow,
        };
        AtomicFile.Write(Path.Combine(outDir, "summary.json"),
            stream => JsonSerializer.Serialize(stream, provenance, Indented));
    }
}
