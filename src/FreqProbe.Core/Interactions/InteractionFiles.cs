using System.Globalization;
using System.Text;
using System.Text.Json;
using FreqProbe.Core.Charts;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.IO;
using FreqProbe.Core.Results;

namespace FreqProbe.Core.Interactions;

/// <summary>
/// Writes an <see cref="InteractionResult"/> as CSV (one row per order), JSON (the per-image sums, the per-order
/// figures and the run's provenance; what merge and plot read) or a PNG/SVG chart, and reads the JSON back.
/// </summary>
public static class InteractionFiles
{
    /// <summary>The format tag of interaction JSON documents.</summary>
    public const string Format = FormatTags.Interactions;

    /// <summary>The extensions <see cref="Write"/> accepts.</summary>
    public static IReadOnlyList<string> Extensions => OutputFiles.AnalysisExtensions;

    /// <summary>The CSV columns.</summary>
    public static IReadOnlyList<string> Columns { get; } = new[]
    {
        "model", "weights", "players", "n", "value", "order", "order_ratio", "pairs", "contexts", "mean_abs_interaction", "strength_j", "strength_j_low", "strength_j_high",
        "mean_interaction",
    };

    /// <summary>Writes by extension: .csv, .json, .png or .svg.</summary>
    public static void Write(InteractionResult result, string path) =>
        OutputFiles.WriteAnalysis(path, () => Csv(result), stream => Json(result, stream), temp => InteractionChart.Save(new[] { Series(result) }, temp));

    /// <summary>The chart curve of <paramref name="result"/>: J against m/n with its intervals, labelled by model, weights and players.</summary>
    public static InteractionSeries Series(InteractionResult result)
    {
        string weights = result.Metadata.WeightsName is { } w ? Path.GetFileNameWithoutExtension(w) : "random weights";
        string label = string.Create(CultureInfo.InvariantCulture,
            $"{result.Metadata.Model} ({weights}), {result.Players.Kind} n={result.PlayerCount}, {result.Images.Count} images");
        double[,] intervals = result.StrengthIntervals();
        int[] orders = Enumerable.Range(0, result.Orders.Count).ToArray();
        return new InteractionSeries(label, result.Orders.Select(m => (double)m / result.PlayerCount).ToArray(), orders.Select(result.Strength).ToArray(),
            orders.Select(o => intervals[o, 0]).ToArray(), orders.Select(o => intervals[o, 1]).ToArray());
    }

    static string Number(double value) => double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : "";

    /// <summary>One row per order: m, m/n, the pairs and contexts behind it, mean |I|, J and the signed mean I (CsvHelper, invariant culture).</summary>
    public static string Csv(InteractionResult r)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = new CsvHelper.CsvWriter(text, CultureInfo.InvariantCulture))
        {
            foreach (string name in Columns) csv.WriteField(name);
            csv.NextRecord();
            string weights = r.Metadata.WeightsName is { } w ? Path.GetFileNameWithoutExtension(w) : "random";
            double[,] intervals = r.StrengthIntervals();
            for (int o = 0; o < r.Orders.Count; o++)
            {
                foreach (string cell in new[]
                {
                    r.Metadata.Model, weights, r.Players.Kind, r.PlayerCount.ToString(CultureInfo.InvariantCulture), InteractionValues.Name(r.Value),
                    r.Orders[o].ToString(CultureInfo.InvariantCulture), Number((double)r.Orders[o] / r.PlayerCount),
                    r.PairCount.ToString(CultureInfo.InvariantCulture), r.ContextCount(o).ToString(CultureInfo.InvariantCulture),
                    Number(r.MeanAbs(o)), Number(r.Strength(o)), Number(intervals[o, 0]), Number(intervals[o, 1]), Number(r.MeanSigned(o)),
                })
                {
                    csv.WriteField(cell);
                }
                csv.NextRecord();
            }
        }
        return text.ToString();
    }

    static void NumberOrNull(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value)) json.WriteNumber(name, value);
        else json.WriteNull(name);
    }

    static void Json(InteractionResult r, Stream stream)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("format", Format);
        JsonResultWriter.WriteRun(json, r.Metadata);
        json.WriteStartObject("players");
        json.WriteString("kind", r.Players.Kind);
        json.WriteNumber("grid", r.Players.Grid);
        json.WriteNumber("bands", r.Players.Bands);
        json.WriteNumber("n", r.PlayerCount);
        json.WriteString("description", r.PlayerDescription);
        json.WriteEndObject();
        json.WriteString("value", InteractionValues.Name(r.Value));
        json.WriteStartObject("sampling");
        json.WriteNumber("pairs_per_image", r.Sampling.Pairs);
        json.WriteNumber("contexts_per_order", r.Sampling.Contexts);
        json.WriteStartArray("ratios");
        foreach (double ratio in r.Sampling.Ratios) json.WriteNumberValue(ratio);
        json.WriteEndArray();
        json.WriteNumber("seed", r.Sampling.Seed);
        json.WriteEndObject();
        json.WriteNumber("selected", r.Selected);
        json.WriteNumber("scanned", r.Scanned);
        json.WriteString("selection", r.Selection);
        json.WriteNumber("seconds", r.Seconds);
        json.WriteNumber("forwards", r.Forwards);
        json.WriteNumber("forward_seconds", r.ForwardSeconds);
        json.WriteNumber("forwards_per_second", Math.Round(r.ForwardsPerSecond, 1));
        NumberOrNull(json, "mean_total_effect", r.MeanTotalEffect);
        json.WriteString("strength_interval", $"95% percentile bootstrap over images, {InteractionResult.BootstrapResamples} resamples, fixed seed");
        double[,] intervals = r.StrengthIntervals();
        json.WriteStartArray("orders");
        for (int o = 0; o < r.Orders.Count; o++)
        {
            json.WriteStartObject();
            json.WriteNumber("order", r.Orders[o]);
            json.WriteNumber("order_ratio", (double)r.Orders[o] / r.PlayerCount);
            json.WriteNumber("pairs", r.PairCount);
            json.WriteNumber("contexts", r.ContextCount(o));
            NumberOrNull(json, "mean_abs_interaction", r.MeanAbs(o));
            NumberOrNull(json, "strength_j", r.Strength(o));
            NumberOrNull(json, "strength_j_low", intervals[o, 0]);
            NumberOrNull(json, "strength_j_high", intervals[o, 1]);
            NumberOrNull(json, "mean_interaction", r.MeanSigned(o));
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteString("images_layout", "per image, per order (as in orders): sum_abs = sum over its pairs of |I|, sum_signed = sum of I, contexts = contexts evaluated; " +
            "v_full = v(N), v_empty = v(empty set)");
        json.WriteStartArray("images");
        foreach (ImageInteractions image in r.Images)
        {
            json.WriteStartObject();
            json.WriteNumber("index", image.Index);
            json.WriteNumber("label", image.Label);
            json.WriteNumber("pairs", image.Pairs);
            json.WriteNumber("v_full", image.FullValue);
            json.WriteNumber("v_empty", image.EmptyValue);
            Array(json, "contexts", image.Contexts.Select(c => (double)c));
            Array(json, "sum_abs", image.SumAbs);
            Array(json, "sum_signed", image.SumSigned);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    static void Array(Utf8JsonWriter json, string name, IEnumerable<double> values)
    {
        json.WriteStartArray(name);
        foreach (double v in values) json.WriteNumberValue(v);
        json.WriteEndArray();
    }

    /// <summary>Reads an interaction JSON written by <see cref="Write"/>.</summary>
    public static InteractionResult Read(string path)
    {
        if (!File.Exists(path)) throw new InputException($"{path}: not found.");
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out JsonElement format) || format.GetString() != Format)
            {
                throw new InputException($"{path}: not a FreqProbe interaction JSON (format {Format}); expected the --out NAME.json of `freqprobe interactions`.");
            }
            JsonElement players = root.GetProperty("players");
            var spec = new PlayerSpec(players.GetProperty("kind").GetString()!, players.GetProperty("grid").GetInt32(), players.GetProperty("bands").GetInt32());
            JsonElement sampling = root.GetProperty("sampling");
            var draw = new InteractionSampling(sampling.GetProperty("pairs_per_image").GetInt32(), sampling.GetProperty("contexts_per_order").GetInt32(),
                sampling.GetProperty("ratios").EnumerateArray().Select(e => e.GetDouble()).ToArray(), sampling.GetProperty("seed").GetUInt64());
            int[] orders = root.GetProperty("orders").EnumerateArray().Select(o => o.GetProperty("order").GetInt32()).ToArray();
            var images = root.GetProperty("images").EnumerateArray().Select(i => new ImageInteractions(i.GetProperty("index").GetInt32(), i.GetProperty("label").GetInt32(),
                i.GetProperty("pairs").GetInt32(), i.GetProperty("contexts").EnumerateArray().Select(c => c.GetInt64()).ToArray(),
                Doubles(i, "sum_abs", orders.Length), Doubles(i, "sum_signed", orders.Length), i.GetProperty("v_full").GetDouble(), i.GetProperty("v_empty").GetDouble())).ToArray();
            if (images.Any(i => i.Contexts.Length != orders.Length)) throw new FormatException($"an image's contexts do not match the {orders.Length} orders");
            InteractionValue value = InteractionValues.Parse(root.GetProperty("value").GetString()!);
            int selected = root.GetProperty("selected").GetInt32(), scanned = root.GetProperty("scanned").GetInt32();
            RunMetadata metadata = JsonResultReader.ReadRun(root.GetProperty("run"), System.Array.Empty<string>()) with
            {
                Parameters = InteractionAnalysis.Recorded(spec, draw, value, orders, selected, scanned),
            };
            return new InteractionResult(spec, players.GetProperty("n").GetInt32(), players.GetProperty("description").GetString()!, orders, draw,
                value, images, metadata, root.GetProperty("seconds").GetDouble(),
                root.GetProperty("forwards").GetInt64(), root.GetProperty("forward_seconds").GetDouble(), selected, scanned);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or NullReferenceException)
        {
            throw new InputException($"{path}: unreadable FreqProbe interaction JSON: {e.Message}", e);
        }
    }

    static double[] Doubles(JsonElement image, string name, int count)
    {
        double[] values = image.GetProperty(name).EnumerateArray().Select(v => v.GetDouble()).ToArray();
        return values.Length == count ? values : throw new FormatException($"'{name}' has {values.Length} values for {count} orders");
    }
}
