using System.Text.Json;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.IO;

namespace FreqProbe.Core.Results;

/// <summary>JSON with the run metadata, the rows (counts and rates), skipped images and warnings.</summary>
public sealed class JsonResultWriter : IResultWriter
{
    /// <inheritdoc />
    public void Write(SweepSummary summary, Stream output)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        RunMetadata m = summary.Metadata;
        json.WriteStartObject();
        json.WriteString("format", FormatTags.Results);
        WriteRun(json, m);

        json.WriteStartArray("rows");
        foreach (FilterResult row in summary.Rows)
        {
            var interval = row.Top1Interval;
            json.WriteStartObject();
            json.WriteString("filter", row.Filter.KindName);
            json.WriteString("shape", row.Filter.ShapeName);
            json.WriteString("profile", row.Filter.ProfileName);
            json.WriteString("radius", row.Filter.RadiusLabel);
            json.WriteNumber("n", row.N);
            json.WriteNumber("correct", row.Correct);
            json.WriteNumber("top1", row.Top1);
            json.WriteNumber("top1_low", interval.Low);
            json.WriteNumber("top1_high", interval.High);
            if (row.Top5Correct is { } top5) json.WriteNumber("top5_correct", top5);
            if (row.Top5 is { } top5Rate) json.WriteNumber("top5", top5Rate);
            json.WriteNumber("agreeing", row.Agreeing);
            json.WriteNumber("agreement", row.Agreement);
            json.WriteNumber("coefficients_kept", row.CoefficientsKept);
            json.WriteNumber("energy_kept_sum", row.EnergyKeptSum);
            json.WriteNumber("energy_kept", row.EnergyKept);
            if (m.PerClass)
            {
                json.WriteStartArray("per_class");
                for (int k = 0; k < row.ClassTotals.Count; k++)
                {
                    json.WriteStartObject();
                    json.WriteNumber("class", k);
                    json.WriteString("name", m.ClassNames[k]);
                    json.WriteNumber("n", row.ClassTotals[k]);
                    json.WriteNumber("correct", row.ClassCorrect[k]);
                    if (row.ClassTop1(k) is { } rate) json.WriteNumber("top1", rate); else json.WriteNull("top1");
                    json.WriteEndObject();
                }
                json.WriteEndArray();
            }
            json.WriteEndObject();
        }
        json.WriteEndArray();

        json.WriteStartArray("skipped_images");
        foreach (var skipped in summary.Skipped)
        {
            json.WriteStartObject();
            json.WriteNumber("index", skipped.Index);
            json.WriteString("item", skipped.Item);
            json.WriteString("reason", skipped.Reason);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("warnings");
        foreach (string warning in summary.Warnings) json.WriteStringValue(warning);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>Writes <paramref name="m"/> as the "run" object shared by every FreqProbe JSON document.</summary>
    internal static void WriteRun(Utf8JsonWriter json, RunMetadata m)
    {
        json.WriteStartObject("run");
        json.WriteString("command", m.Command);
        json.WriteString("model", m.Model);
        json.WriteNumber("num_classes", m.NumClasses);
        json.WriteBoolean("random_weights", m.RandomWeights);
        WriteNullable(json, "weights", m.WeightsName);
        WriteNullable(json, "weights_path", m.WeightsPath);
        WriteNullable(json, "weights_sha256", m.WeightsSha256);
        json.WriteString("dataset", m.Dataset);
        json.WriteString("data_path", m.DataSource);
        json.WriteString("split", m.Split);
        json.WriteNumber("dataset_count", m.DatasetCount);
        json.WriteNumber("requested", m.Requested);
        if (m.Limit is { } limit) json.WriteNumber("limit", limit); else json.WriteNull("limit");
        WriteNullable(json, "shard", m.Shard);
        if (m.Scheduler is { } scheduler) json.WriteString("scheduler", scheduler);
        json.WriteNumber("evaluated", m.Evaluated);
        json.WriteNumber("skipped", m.Skipped);
        json.WriteString("preprocess", m.Preprocess);
        json.WriteNumber("input_size", m.InputSize);
        WriteFloats(json, "mean", m.Mean);
        WriteFloats(json, "std", m.Std);
        json.WriteString("filter_convention", m.FilterConvention);
        json.WriteBoolean("clip", m.Clip);
        json.WriteString("device", m.Device);
        json.WriteNumber("threads", m.Threads);
        json.WriteNumber("batch_size", m.BatchSize);
        json.WriteNumber("seed", m.Seed);
        json.WriteString("precision", m.Precision);
        json.WriteString("layout", m.Layout);
        if (m.ExecutionPath is not null) json.WriteString("execution_path", m.ExecutionPath);
        if (m.Verification is not null) json.WriteString("verification", m.Verification);
        json.WriteStartObject("versions");
        foreach ((string key, string value) in m.Versions) json.WriteString(key, value);
        json.WriteEndObject();
        json.WriteString("started_utc", m.StartedUtc.ToString("O"));
        json.WriteString("finished_utc", m.FinishedUtc.ToString("O"));
        json.WriteEndObject();
    }

    static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null) json.WriteNull(name); else json.WriteString(name, value);
    }

    // Mean and std: three numbers, or "none" (as in a model card) for a model that normalises itself.
    static void WriteFloats(Utf8JsonWriter json, string name, IReadOnlyList<float> values)
    {
        if (values.Count == 0)
        {
            json.WriteString(name, Models.ChannelStatsJsonConverter.None);
            return;
        }
        json.WriteStartArray(name);
        foreach (float v in values) json.WriteNumberValue(v);
        json.WriteEndArray();
    }
}
