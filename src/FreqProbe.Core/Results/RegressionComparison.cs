using System.Globalization;
using System.Text;
using CsvHelper;
using FreqProbe.Core.Statistics;

namespace FreqProbe.Core.Results;

/// <summary>One matched row of a comparison.</summary>
public sealed record ComparedRow(string Model, string Filter, string Radius, long BaselineN, long BaselineCorrect, long CurrentN, long CurrentCorrect,
    double DropPoints, double? PValue, bool Regressed, string Reason)
{
    /// <summary>Baseline top-1 in percent.</summary>
    public double BaselineTop1 => 100.0 * BaselineCorrect / BaselineN;
    /// <summary>Current top-1 in percent.</summary>
    public double CurrentTop1 => 100.0 * CurrentCorrect / CurrentN;
}

/// <summary>
/// The CI regression gate: rows of two results files are matched by model, filter (with shape and profile) and
/// radius. A row regresses when top-1 dropped by more than a tolerance in percentage points, or, with the
/// statistical test on, when a two-proportion z-test finds the drop significant at alpha.
/// </summary>
public static class RegressionComparison
{
    // A sweep's summary.csv holds several runs of one model: there the run name is part of the key.
    sealed record Row(string Model, string Filter, string Radius, long N, long Correct, string Run = "")
    {
        public string Key => Run.Length == 0 ? $"{Model} | {Filter} | {Radius}" : $"{Run} | {Model} | {Filter} | {Radius}";
        public string Shown => Run.Length == 0 ? Model : $"{Run}: {Model}";
    }

    static void Unique(List<Row> rows, string path)
    {
        if (rows.GroupBy(r => r.Key, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new InputException($"{path}: the row '{twice.Key}' appears {twice.Count()} times; expected each (run,) model, filter and radius once.");
        }
    }

    // A gate must not pass on nothing: every row scores at least one image, and the rows of one run score the same ones.
    static void Scored(List<Row> rows, string path)
    {
        if (rows.FirstOrDefault(r => r.N == 0) is { } empty)
        {
            throw new InputException($"{path}: row '{empty.Key}' scores no image (n = 0); a comparison needs results with images in them.");
        }
        foreach (var run in rows.GroupBy(r => (r.Run, r.Model)))
        {
            ResultCounts.SameImages(path, run.Key.Run.Length > 0 ? $"run {run.Key.Run}" : $"model {run.Key.Model}", run.Select(r => (r.Key, r.N)));
        }
    }

    /// <summary>Compares <paramref name="baselinePath"/> with <paramref name="currentPath"/> (CSV or JSON results).</summary>
    public static IReadOnlyList<ComparedRow> Compare(string baselinePath, string currentPath, double tolerancePoints, bool statistical, double alpha)
    {
        List<Row> baseline = Read(baselinePath), current = Read(currentPath);
        Unique(baseline, baselinePath);
        Unique(current, currentPath);
        Scored(baseline, baselinePath);
        Scored(current, currentPath);
        var baseKeys = baseline.Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
        var currentKeys = current.Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
        if (!baseKeys.SetEquals(currentKeys))
        {
            string only(IEnumerable<string> keys) => string.Join("; ", keys.Take(8));
            throw new InputException($"compare: the files do not have the same rows ([run |] model | filter | radius). " +
                $"Only in {baselinePath}: {only(baseKeys.Except(currentKeys))}. Only in {currentPath}: {only(currentKeys.Except(baseKeys))}.");
        }
        var byKey = current.ToDictionary(r => r.Key, StringComparer.Ordinal);
        var rows = new List<ComparedRow>();
        foreach (Row b in baseline)
        {
            Row c = byKey[b.Key];
            if (c.N != b.N)
            {
                throw new InputException($"compare: row '{b.Key}' scores {b.N} images in {baselinePath} but {c.N} in {currentPath}; " +
                    "a regression gate compares the same images: run both with the same data, --limit and --shard.");
            }
            double drop = 100.0 * b.Correct / b.N - 100.0 * c.Correct / c.N;
            double? p = statistical ? TwoProportionTest.Compare(b.Correct, b.N, c.Correct, c.N).PValue : null;
            bool overTolerance = drop > tolerancePoints;
            bool significant = p is { } pv && drop > 0 && pv < alpha;
            string reason = overTolerance
                ? string.Create(CultureInfo.InvariantCulture, $"top-1 dropped {drop:0.00} points > tolerance {tolerancePoints:0.##}")
                : significant ? string.Create(CultureInfo.InvariantCulture, $"significant drop (p = {p:0.####} < {alpha:0.###})") : "";
            rows.Add(new ComparedRow(b.Shown, b.Filter, b.Radius, b.N, b.Correct, c.N, c.Correct, drop, p, overTolerance || significant, reason));
        }
        return rows;
    }

    /// <summary>A Markdown report for a CI job summary.</summary>
    public static string Markdown(IReadOnlyList<ComparedRow> rows, string baselinePath, string currentPath, double tolerance, bool statistical, double alpha)
    {
        var text = new StringBuilder();
        int regressed = rows.Count(r => r.Regressed);
        text.AppendLine(regressed == 0 ? "## FreqProbe: no frequency-profile regression" : $"## FreqProbe: {regressed} regressed row(s)");
        text.AppendLine();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Baseline `{baselinePath}`, current `{currentPath}`; tolerance {tolerance:0.##} points{(statistical ? $", two-proportion z-test at alpha {alpha:0.###}" : "")}."));
        text.AppendLine();
        text.AppendLine("| | model | filter | radius | baseline top-1 % | current top-1 % | drop (points) |" + (statistical ? " p |" : ""));
        text.AppendLine("|---|---|---|---|---|---|---|" + (statistical ? "---|" : ""));
        foreach (ComparedRow r in rows)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {(r.Regressed ? "❌" : "✅")} | {r.Model} | {r.Filter} | {r.Radius} | {r.BaselineTop1:0.00} | {r.CurrentTop1:0.00} | {r.DropPoints:0.00} |{(r.PValue is { } p ? $" {p:0.####} |" : "")}"));
        }
        return text.ToString();
    }

    static List<Row> Read(string path)
    {
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            var summary = JsonResultReader.Read(path);
            return summary.Rows.Select(r => new Row(summary.Metadata.Model, Label(r.Filter.KindName, r.Filter.ShapeName, r.Filter.ProfileName, r.Filter.Kind == Spectral.FilterKind.None),
                r.Filter.RadiusLabel, r.N, r.Correct)).ToList();
        }
        if (!File.Exists(path)) throw new InputException($"{path}: not found.");
        try
        {
            using var reader = new CsvReader(new StreamReader(path), CultureInfo.InvariantCulture);
            var rows = new List<Row>();
            if (!reader.Read()) throw new InputException($"{path}: the file is empty; expected a FreqProbe results CSV.");
            reader.ReadHeader();
            bool runs = reader.HeaderRecord!.Contains("run");
            while (reader.Read())
            {
                string filter = reader.GetField("filter")!;
                var row = new Row(reader.GetField("model")!, Label(filter, reader.GetField("shape")!, reader.GetField("profile")!, filter == "none"),
                    reader.GetField("radius")!, reader.GetField<long>("n"), reader.GetField<long>("correct"), runs ? reader.GetField("run")! : "");
                ResultCounts.Check(path, row.Key, row.N, row.Correct);
                // top1 is written from correct / n with six decimals: a file where they disagree was edited by hand.
                if (reader.TryGetField("top1", out string? top1Text) && double.TryParse(top1Text, NumberStyles.Float, CultureInfo.InvariantCulture, out double top1) && row.N > 0
                    && Math.Abs(top1 - (double)row.Correct / row.N) > 1e-6)
                {
                    throw new InputException(string.Create(CultureInfo.InvariantCulture,
                        $"{path}: row '{row.Key}': top1 {top1} but correct / n = {row.Correct} / {row.N}; expected the file as FreqProbe wrote it."));
                }
                rows.Add(row);
            }
            return rows.Count > 0 ? rows : throw new InputException($"{path}: no result rows.");
        }
        catch (Exception e) when (e is CsvHelperException or FormatException)
        {
            throw new InputException($"{path}: not a FreqProbe results CSV (expected columns model, filter, shape, profile, radius, n, correct): {FirstLine(e.Message)}", e);
        }
    }

    /// <summary>The first line of a parser's message (CsvHelper appends its reader state).</summary>
    internal static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    static string Label(string kind, string shape, string profile, bool clean) => clean ? kind : $"{kind} ({shape}, {profile})";
}
