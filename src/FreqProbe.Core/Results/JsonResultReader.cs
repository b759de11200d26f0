using System.Text.Json;
using FreqProbe.Core.Datasets;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.IO;
using FreqProbe.Core.Spectral;
using FreqProbe.Core.Execution;

namespace FreqProbe.Core.Results;

/// <summary>Reads a results file written by <see cref="JsonResultWriter"/> back into a <see cref="SweepSummary"/>.</summary>
public static class JsonResultReader
{
    /// <summary>Reads <paramref name="path"/>; anything but a FreqProbe results JSON is an <see cref="InputException"/>.</summary>
    public static SweepSummary Read(string path)
    {
        if (!File.Exists(path)) throw new InputException($"{path}: not found.");
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path), Strict);
            JsonElement root = doc.RootElement;
            if (!root.TryGetProperty("format", out JsonElement format) || format.GetString() != FormatTags.Results)
            {
                throw new InputException($"{path}: not a FreqProbe results JSON (format freqprobe-results/1); write results with --out NAME.json.");
            }
            JsonElement run = root.GetProperty("run");
            var classNames = new List<string>();
            var rows = new List<FilterResult>();
            foreach (JsonElement row in root.GetProperty("rows").EnumerateArray())
            {
                var filter = FrequencyFilter.FromLabels(row.GetProperty("filter").GetString()!, row.GetProperty("shape").GetString()!,
                    row.GetProperty("profile").GetString()!, row.GetProperty("radius").GetString()!);
                var totals = new List<long>();
                var correct = new List<long>();
                if (row.TryGetProperty("per_class", out JsonElement perClass))
                {
                    foreach (JsonElement c in perClass.EnumerateArray())
                    {
                        totals.Add(c.GetProperty("n").GetInt64());
                        correct.Add(c.GetProperty("correct").GetInt64());
                        if (rows.Count == 0) classNames.Add(c.GetProperty("name").GetString()!);
                    }
                }
                var result = new FilterResult(filter, row.GetProperty("n").GetInt64(), row.GetProperty("correct").GetInt64(),
                    row.TryGetProperty("top5_correct", out JsonElement top5) && top5.ValueKind != JsonValueKind.Null ? top5.GetInt64() : null,
                    row.GetProperty("agreeing").GetInt64(), row.GetProperty("energy_kept_sum").GetDouble(), row.GetProperty("coefficients_kept").GetDouble())
                {
                    ClassTotals = totals,
                    ClassCorrect = correct,
                };
                CheckRow(path, result, rows.Count == 0 ? null : classNames.Count);
                rows.Add(result);
            }
            if (rows.Select(r => r.Filter.ToString()).GroupBy(f => f).FirstOrDefault(g => g.Count() > 1) is { } twice)
            {
                throw new InputException($"{path}: the filter setting '{twice.Key}' has {twice.Count()} rows; expected one row per setting.");
            }
            ResultCounts.SameImages(path, "the run", rows.Select(r => (r.Filter.ToString(), r.N)));
            var skipped = root.GetProperty("skipped_images").EnumerateArray()
                .Select(s => new SkippedImage(s.GetProperty("index").GetInt32(), s.GetProperty("item").GetString()!, s.GetProperty("reason").GetString()!)).ToArray();
            RunMetadata metadata = ReadRun(run, classNames) with { Filters = string.Join(" ", rows.Where(r => r.Filter.Kind != Spectral.FilterKind.None).Select(r => r.Filter.ToString())) };
            if (rows.Count > 0 && rows[0].N != metadata.Evaluated)
            {
                throw new InputException($"{path}: the run records {metadata.Evaluated} images evaluated but its rows have n = {rows[0].N}; expected the same count.");
            }
            string[] warnings = root.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!).ToArray();
            return new SweepSummary(metadata, rows, skipped, warnings);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InputException($"{path}: unreadable FreqProbe results JSON: {e.Message}", e);
        }
    }

    // A results file with a key twice is not one FreqProbe wrote; which of the two values counts would be a guess.
    static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false };

    // The counts a row must have: in range, and per-class counts that add up to the row's (the first row sets the classes).
    static void CheckRow(string path, FilterResult row, int? classes)
    {
        string name = row.Filter.ToString();
        ResultCounts.Check(path, name, row.N, row.Correct, row.Top5Correct, row.Agreeing);
        if (!double.IsFinite(row.EnergyKeptSum) || row.EnergyKeptSum < 0 || !(row.CoefficientsKept is >= 0 and <= 1))
        {
            throw new InputException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{path}: row '{name}': energy_kept_sum {row.EnergyKeptSum} and coefficients_kept {row.CoefficientsKept}; expected a finite sum >= 0 and a fraction in [0, 1]."));
        }
        if (classes is { } k && row.ClassTotals.Count != k)
        {
            throw new InputException($"{path}: row '{name}' has {row.ClassTotals.Count} per-class entries, the first row {k}; expected the same classes in every row.");
        }
        for (int c = 0; c < row.ClassTotals.Count; c++) ResultCounts.Check(path, $"{name}, class {c}", row.ClassTotals[c], row.ClassCorrect[c]);
        if (row.ClassTotals.Count > 0 && (row.ClassTotals.Sum() != row.N || row.ClassCorrect.Sum() != row.Correct))
        {
            throw new InputException($"{path}: row '{name}': its per-class counts add up to {row.ClassCorrect.Sum()} of {row.ClassTotals.Sum()}, the row says {row.Correct} of {row.N}; expected the same.");
        }
    }

    /// <summary>Reads the "run" object written by <see cref="JsonResultWriter.WriteRun"/>.</summary>
    internal static RunMetadata ReadRun(JsonElement run, IReadOnlyList<string> classNames)
    {
        return new RunMetadata
        {
            Command = run.GetProperty("command").GetString()!,
            Model = run.GetProperty("model").GetString()!,
            WeightsName = OptionalString(run, "weights"),
            WeightsPath = OptionalString(run, "weights_path"),
            WeightsSha256 = OptionalString(run, "weights_sha256"),
            NumClasses = run.GetProperty("num_classes").GetInt32(),
            ClassNames = classNames,
            PerClass = classNames.Count > 0,
            Dataset = run.GetProperty("dataset").GetString()!,
            DataSource = run.GetProperty("data_path").GetString()!,
            Split = run.GetProperty("split").GetString()!,
            DatasetCount = run.GetProperty("dataset_count").GetInt32(),
            Requested = run.GetProperty("requested").GetInt32(),
            Limit = run.GetProperty("limit").ValueKind == JsonValueKind.Null ? null : run.GetProperty("limit").GetInt32(),
            Shard = OptionalString(run, "shard"),
            Scheduler = OptionalString(run, "scheduler"),
            Evaluated = run.GetProperty("evaluated").GetInt32(),
            Skipped = run.GetProperty("skipped").GetInt32(),
            Preprocess = run.GetProperty("preprocess").GetString()!,
            InputSize = run.GetProperty("input_size").GetInt32(),
            Mean = ChannelStats(run.GetProperty("mean")),
            Std = ChannelStats(run.GetProperty("std")),
            FilterConvention = run.GetProperty("filter_convention").GetString()!,
            Clip = run.GetProperty("clip").GetBoolean(),
            Device = run.GetProperty("device").GetString()!,
            Threads = run.GetProperty("threads").GetInt32(),
            BatchSize = run.GetProperty("batch_size").GetInt32(),
            Seed = run.GetProperty("seed").GetUInt64(),
            Precision = OptionalString(run, "precision") ?? Execution.InferencePrecision.Default,
            Layout = OptionalString(run, "layout") ?? "nchw",
            ExecutionPath = OptionalString(run, "execution_path"),
            Verification = OptionalString(run, "verification"),
            Versions = run.GetProperty("versions").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
            StartedUtc = DateTimeOffset.Parse(run.GetProperty("started_utc").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
            FinishedUtc = DateTimeOffset.Parse(run.GetProperty("finished_utc").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    static float[] ChannelStats(JsonElement value) => value.ValueKind == JsonValueKind.String && value.GetString() == Models.ChannelStatsJsonConverter.None
        ? Array.Empty<float>()
        : value.EnumerateArray().Select(v => v.GetSingle()).ToArray();

    static string? OptionalString(JsonElement run, string name) =>
        run.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
