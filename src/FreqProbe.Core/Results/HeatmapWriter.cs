using System.Globalization;
using System.Text;
using System.Text.Json;
using FreqProbe.Core.Evaluation;
using ScottPlot;

namespace FreqProbe.Core.Results;

/// <summary>Which number a heat map shows.</summary>
public enum HeatmapMetric
{
    /// <summary>Top-1 error under the perturbation.</summary>
    Error,

    /// <summary>Top-1 accuracy under the perturbation.</summary>
    Accuracy,
}

/// <summary>Writes a <see cref="HeatmapResult"/> as a CSV matrix, a JSON document with provenance, or a PNG/SVG picture.</summary>
public static class HeatmapWriter
{
    /// <summary>Writes by extension: .csv, .json, .png or .svg.</summary>
    public static void Write(HeatmapResult result, HeatmapMetric metric, double epsilon, string path)
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        switch (extension)
        {
            case ".csv":
                AtomicFile.Write(path, stream => stream.Write(Encoding.UTF8.GetBytes(Csv(result, metric))));
                break;
            case ".json":
                AtomicFile.Write(path, stream => Json(result, metric, epsilon, stream));
                break;
            case ".png" or ".svg":
                string temp = AtomicFile.TempPathFor(path) + extension;
                Picture(result, metric, epsilon, temp);
                File.Move(temp, path, overwrite: true);
                break;
            default:
                throw new InputException($"--out: '{path}' must end in .csv, .json, .png or .svg.");
        }
    }

    /// <summary>The extensions <see cref="Write"/> accepts.</summary>
    public static IReadOnlyList<string> Extensions { get; } = new[] { ".csv", ".json", ".png", ".svg" };

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

    static void Json(HeatmapResult r, HeatmapMetric metric, double epsilon, Stream stream)
    {
        RunMetadata m = r.Metadata;
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("format", "freqprobe-heatmap/1");
        json.WriteString("command", m.Command);
        json.WriteString("model", m.Model);
        json.WriteBoolean("random_weights", m.RandomWeights);
        if (m.WeightsName is null) json.WriteNull("weights"); else json.WriteString("weights", m.WeightsName);
        if (m.WeightsSha256 is null) json.WriteNull("weights_sha256"); else json.WriteString("weights_sha256", m.WeightsSha256);
        json.WriteString("dataset", m.Dataset);
        json.WriteString("data_path", m.DataSource);
        json.WriteString("split", m.Split);
        json.WriteNumber("evaluated", r.Evaluated);
        if (m.Limit is { } limit) json.WriteNumber("limit", limit); else json.WriteNull("limit");
        if (m.Shard is null) json.WriteNull("shard"); else json.WriteString("shard", m.Shard);
        json.WriteNumber("input_size", m.InputSize);
        json.WriteString("preprocess", m.Preprocess);
        json.WriteString("perturbation", m.FilterConvention);
        json.WriteNumber("epsilon", epsilon);
        json.WriteBoolean("clip", m.Clip);
        json.WriteNumber("seed", m.Seed);
        json.WriteNumber("max_freq", r.MaxFrequency);
        json.WriteNumber("bases_evaluated", r.Bases);
        json.WriteNumber("clean_errors", r.CleanErrors);
        json.WriteNumber("clean_error", r.Evaluated == 0 ? 0 : (double)r.CleanErrors / r.Evaluated);
        json.WriteString("metric", metric == HeatmapMetric.Error ? "error" : "accuracy");
        json.WriteString("layout", "errors[row][column]: row = v + N/2, column = u + N/2, u and v in cycles per image from -N/2; -1 outside max_freq");
        json.WriteStartArray("errors");
        for (int i = 0; i < r.Size; i++)
        {
            json.WriteStartArray();
            for (int j = 0; j < r.Size; j++) json.WriteNumberValue(r.Errors[i, j]);
            json.WriteEndArray();
        }
        json.WriteEndArray();
        json.WriteString("device", m.Device);
        json.WriteNumber("threads", m.Threads);
        json.WriteNumber("batch_size", m.BatchSize);
        json.WriteNumber("seconds", Math.Round(r.Seconds, 2));
        json.WriteStartObject("versions");
        foreach ((string key, string value) in m.Versions) json.WriteString(key, value);
        json.WriteEndObject();
        json.WriteString("started_utc", m.StartedUtc.ToString("O", CultureInfo.InvariantCulture));
        json.WriteString("finished_utc", m.FinishedUtc.ToString("O", CultureInfo.InvariantCulture));
        json.WriteEndObject();
    }

    static void Picture(HeatmapResult r, HeatmapMetric metric, double epsilon, string path)
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
            $"Fourier heat map: {m.Model} ({(m.WeightsName is { } w ? Path.GetFileNameWithoutExtension(w) : "random weights")}), {m.Dataset} n = {r.Evaluated}, eps = {epsilon:0.##}"), size: 13);
        plot.Axes.SetLimits(-k - 0.5, k + 0.5, -k - 0.5, k + 0.5);
        if (path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase)) plot.SaveSvg(path, 720, 620);
        else plot.SavePng(path, 720, 620);
    }
}
