using System.Globalization;
using System.Text;
using System.Text.Json;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.IO;
using FreqProbe.Core.Results;
using ScottPlot;

namespace FreqProbe.Core.Heatmaps;

/// <summary>Which number a heat map shows.</summary>
public enum HeatmapMetric
{
    /// <summary>Top-1 error under the perturbation.</summary>
    Error,

    /// <summary>Top-1 accuracy under the perturbation.</summary>
    Accuracy,
}

/// <summary>Writes a <see cref="HeatmapResult"/> as a CSV matrix, a JSON document with provenance, or a PNG/SVG picture.</summary>
public static class HeatmapFiles
{
    /// <summary>Writes by extension: .csv, .json, .png or .svg.</summary>
    public static void Write(HeatmapResult result, HeatmapMetric metric, string path) =>
        OutputFiles.WriteAnalysis(path, () => Csv(result, metric), stream => Json(result, metric, stream), temp => Picture(result, metric, temp));

    /// <summary>The extensions <see cref="Write"/> accepts.</summary>
    public static IReadOnlyList<string> Extensions => OutputFiles.AnalysisExtensions;

    static double Value(HeatmapResult r, HeatmapMetric metric, int u, int v)
    {
        double error = r.ErrorRate(u, v);
        return metric == HeatmapMetric.Error ? error : 1 - error;
    }

    /// <summary>Rows v = −N/2 … N/2−1 (top to bottom), columns u likewise; empty cells outside --max-freq.</summary>
    public static string Csv(HeatmapResult r, HeatmapMetric metric)
    {
        int low = -r.Size / 2, high = r.Size - r.Size / 2 - 1;
        var text = new StringBuilder(metric == HeatmapMetric.Error ? "v\\u" : "v\\u");
        for (int u = low; u <= high; u++) text.Append(CultureInfo.InvariantCulture, $",{u}");
        text.Append('\n');
        for (int v = low; v <= high; v++)
        {
            text.Append(v.ToString(CultureInfo.InvariantCulture));
            for (int u = low; u <= high; u++)
            {
                double value = Value(r, metric, u, v);
                text.Append(',').Append(double.IsNaN(value) ? "" : ResultColumns.Rate(value));
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    static void Json(HeatmapResult r, HeatmapMetric metric, Stream stream)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("format", Format);
        JsonResultWriter.WriteRun(json, r.Metadata);
        json.WriteNumber("epsilon", r.Epsilon);
        json.WriteNumber("size", r.Size);
        json.WriteNumber("max_freq", r.MaxFrequency);
        json.WriteNumber("bases_evaluated", r.Bases);
        json.WriteNumber("images", r.Evaluated);
        json.WriteNumber("clean_errors", r.CleanErrors);
        json.WriteNumber("clean_error", r.Evaluated == 0 ? 0 : (double)r.CleanErrors / r.Evaluated);
        json.WriteNumber("seconds", Math.Round(r.Seconds, 2));
        json.WriteString("metric_in_pictures", metric == HeatmapMetric.Error ? "error" : "accuracy");
        json.WriteString("layout", "errors[row][column]: row = v + N/2, column = u + N/2, u and v in cycles per image from -N/2; -1 outside max_freq; error rate = errors / images");
        json.WriteStartArray("errors");
        for (int i = 0; i < r.Size; i++)
        {
            json.WriteStartArray();
            for (int j = 0; j < r.Size; j++) json.WriteNumberValue(r.Errors[i, j]);
            json.WriteEndArray();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>The format tag of heat-map JSON documents.</summary>
    public const string Format = FormatTags.Heatmap;

    /// <summary>Reads a heat-map JSON written by <see cref="Write"/>.</summary>
    public static HeatmapResult Read(string path)
    {
        if (!File.Exists(path)) throw new InputException($"{path}: not found.");
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
            JsonElement root = doc.RootElement;
            if (!root.TryGetProperty("format", out JsonElement format) || format.GetString() != Format)
            {
                throw new InputException($"{path}: not a FreqProbe heat-map JSON (format {Format}).");
            }
            int size = root.GetProperty("size").GetInt32();
            var errors = new long[size, size];
            int i = 0;
            foreach (JsonElement row in root.GetProperty("errors").EnumerateArray())
            {
                int j = 0;
                foreach (JsonElement cell in row.EnumerateArray()) errors[i, j++] = cell.GetInt64();
                i++;
            }
            double epsilon = root.GetProperty("epsilon").GetDouble();
            int maxFrequency = root.GetProperty("max_freq").GetInt32();
            RunMetadata metadata = JsonResultReader.ReadRun(root.GetProperty("run"), Array.Empty<string>()) with
            {
                Parameters = HeatmapAnalysis.Recorded(epsilon, maxFrequency),
            };
            return new HeatmapResult(size, maxFrequency, errors, root.GetProperty("images").GetInt64(),
                root.GetProperty("clean_errors").GetInt64(), metadata, root.GetProperty("seconds").GetDouble(), root.GetProperty("bases_evaluated").GetInt32())
            {
                Epsilon = epsilon,
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IndexOutOfRangeException)
        {
            throw new InputException($"{path}: unreadable FreqProbe heat-map JSON: {e.Message}", e);
        }
    }

    static void Picture(HeatmapResult r, HeatmapMetric metric, string path)
    {
        int k = r.MaxFrequency, n = 2 * k + 1;
        var data = new double[n, n];
        // ScottPlot draws row 0 at the top; rows run from v = +k down to −k so that v grows upwards like the y axis.
        for (int row = 0; row < n; row++)
        {
            for (int column = 0; column < n; column++)
            {
                int u = column - k, v = k - row;
                bool inside = u >= -r.Size / 2 && u < r.Size - r.Size / 2 && v >= -r.Size / 2 && v < r.Size - r.Size / 2;
                data[row, column] = inside ? 100 * Value(r, metric, u, v) : double.NaN;
            }
        }
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(data);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.Extent = new CoordinateRect(-k - 0.5, k + 0.5, -k - 0.5, k + 0.5);
        var bar = plot.Add.ColorBar(heatmap);
        bar.Label = metric == HeatmapMetric.Error ? "top-1 error (%)" : "top-1 accuracy (%)";
        plot.XLabel("u (cycles per image, horizontal)");
        plot.YLabel("v (cycles per image, vertical)");
        RunMetadata m = r.Metadata;
        plot.Title(string.Create(CultureInfo.InvariantCulture,
            $"Fourier heat map: {m.Model} ({(m.WeightsName is { } w ? Path.GetFileNameWithoutExtension(w) : "random weights")}), {m.Dataset} n = {r.Evaluated}, eps = {r.Epsilon:0.##}"), size: 13);
        plot.Axes.SetLimits(-k - 0.5, k + 0.5, -k - 0.5, k + 0.5);
        if (path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase)) plot.SaveSvg(path, 720, 620);
        else plot.SavePng(path, 720, 620);
    }
}
