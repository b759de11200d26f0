using System.Globalization;
using System.Text;
using System.Text.Json;
using FreqProbe.Core.Charts;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.IO;
using FreqProbe.Core.Results;
using FreqProbe.Core.Statistics;
using ScottPlot;

namespace FreqProbe.Core.Sensitivity;

/// <summary>
/// Writes a <see cref="SensitivityResult"/> as a CSV matrix of the mean map, a JSON document (the exact sums that merge
/// reads, the per-image band sums, the profile, the band shares and the run's provenance), or a PNG/SVG picture of the
/// map; reads the JSON back.
/// </summary>
public static class SensitivityFiles
{
    /// <summary>The format tag of sensitivity JSON documents.</summary>
    public const string Format = FormatTags.Sensitivity;

    /// <summary>The extensions <see cref="Write"/> accepts.</summary>
    public static IReadOnlyList<string> Extensions => OutputFiles.AnalysisExtensions;

    /// <summary>Writes by extension: .csv, .json, .png or .svg.</summary>
    public static void Write(SensitivityResult result, string path) =>
        OutputFiles.WriteAnalysis(path, () => Csv(result), stream => Json(result, stream), temp => Picture(result, temp));

    static string Number(double value) => value.ToString("G9", CultureInfo.InvariantCulture);

    /// <summary>The mean map: rows v = −⌊N/2⌋ … (top to bottom), columns u likewise, as the heat map's CSV.</summary>
    public static string Csv(SensitivityResult r)
    {
        int low = -r.Size / 2, high = r.Size - r.Size / 2 - 1;
        var text = new StringBuilder("v\\u");
        for (int u = low; u <= high; u++) text.Append(CultureInfo.InvariantCulture, $",{u}");
        text.Append('\n');
        for (int v = low; v <= high; v++)
        {
            text.Append(v.ToString(CultureInfo.InvariantCulture));
            for (int u = low; u <= high; u++) text.Append(',').Append(Number(r.Mean(u, v)));
            text.Append('\n');
        }
        return text.ToString();
    }

    /// <summary>The share of each band per class, from the per-image sums: (class, images, low, middle, high).</summary>
    public static IReadOnlyList<(int Class, int Images, double Low, double Middle, double High)> PerClass(SensitivityResult r) =>
        r.Images.GroupBy(i => i.Label).OrderBy(g => g.Key).Select(g =>
        {
            double[] shares = SensitivityBands.ShareOf(g);
            return (g.Key, g.Count(), shares[0], shares[1], shares[2]);
        }).ToArray();

    static void Json(SensitivityResult r, Stream stream)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("format", Format);
        JsonResultWriter.WriteRun(json, r.Metadata);
        json.WriteString("value", SensitivityAnalysis.ValueName(r.Value));
        json.WriteString("definition", SensitivityRunner.Convention);
        json.WriteNumber("size", r.Size);
        json.WriteNumber("images", r.Images.Count);
        json.WriteNumber("seconds", Math.Round(r.Seconds, 2));
        json.WriteStartArray("bands");
        foreach (BandShare band in SensitivityBands.Shares(r.Images, r.Size, r.Metadata.Seed))
        {
            json.WriteStartObject();
            json.WriteString("band", band.Name);
            json.WriteString("range", band.Range);
            WriteNumber(json, "share", band.Share);
            WriteNumber(json, "ci95_low", band.Lower);
            WriteNumber(json, "ci95_high", band.Upper);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("profile");
        foreach (ProfileBin bin in SensitivityBands.Profile(r))
        {
            json.WriteStartObject();
            json.WriteNumber("radius", bin.Radius);
            json.WriteNumber("coefficients", bin.Coefficients);
            json.WriteNumber("share", bin.Share);
            json.WriteNumber("density", bin.Density);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("class_names");
        foreach (string name in r.Metadata.ClassNames) json.WriteStringValue(name);
        json.WriteEndArray();
        json.WriteStartArray("per_class");
        foreach (var c in PerClass(r))
        {
            json.WriteStartObject();
            json.WriteNumber("class", c.Class);
            if (c.Class < r.Metadata.ClassNames.Count) json.WriteString("name", r.Metadata.ClassNames[c.Class]);
            json.WriteNumber("images", c.Images);
            WriteNumber(json, "low", c.Low);
            WriteNumber(json, "middle", c.Middle);
            WriteNumber(json, "high", c.High);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteString("layout", "map[row][column]: row = v plus floor(N/2), column = u plus floor(N/2), u and v in cycles per image; " +
            "map_mean = map_sums / images; map_sums exact, MpE = M * 2^E; per_image [index, label, low, middle, high]: band sums of each image map");
        json.WriteStartArray("map_mean");
        for (int v = -r.Size / 2; v < r.Size - r.Size / 2; v++)
        {
            json.WriteStartArray();
            for (int u = -r.Size / 2; u < r.Size - r.Size / 2; u++) json.WriteNumberValue(r.Mean(u, v));
            json.WriteEndArray();
        }
        json.WriteEndArray();
        json.WriteStartArray("map_sums");
        for (int row = 0; row < r.Size; row++)
        {
            json.WriteStartArray();
            for (int column = 0; column < r.Size; column++) json.WriteStringValue(r.Map.Text(row * r.Size + column));
            json.WriteEndArray();
        }
        json.WriteEndArray();
        json.WriteStartArray("per_image");
        foreach (ImageSensitivity image in r.Images)
        {
            json.WriteStartArray();
            json.WriteNumberValue(image.Index);
            json.WriteNumberValue(image.Label);
            json.WriteNumberValue(image.Low);
            json.WriteNumberValue(image.Middle);
            json.WriteNumberValue(image.High);
            json.WriteEndArray();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    static void WriteNumber(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value)) json.WriteNumber(name, value);
        else json.WriteNull(name);
    }

    /// <summary>Reads a sensitivity JSON written by <see cref="Write"/>, checking every part of it.</summary>
    public static SensitivityResult Read(string path)
    {
        if (!File.Exists(path)) throw new InputException($"{path}: not found.");
        string Bad(string what) => $"{path}: unreadable FreqProbe sensitivity JSON: {what}";
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out JsonElement format) || format.ValueKind != JsonValueKind.String
                || format.GetString() != Format)
            {
                throw new InputException($"{path}: not a FreqProbe sensitivity JSON (format {Format}).");
            }
            int size = root.GetProperty("size").GetInt32();
            if (size is < 1 or > 4096) throw new InputException(Bad($"size {size}; expected 1 to 4096."));
            SensitivityValue value = SensitivityAnalysis.ParseValue(root.GetProperty("value").GetString() ?? "", path);
            var map = new ExactSums(size * size);
            JsonElement rows = root.GetProperty("map_sums");
            if (rows.GetArrayLength() != size) throw new InputException(Bad($"map_sums has {rows.GetArrayLength()} rows; expected {size}."));
            int row = 0;
            foreach (JsonElement cells in rows.EnumerateArray())
            {
                if (cells.GetArrayLength() != size) throw new InputException(Bad($"map_sums row {row} has {cells.GetArrayLength()} cells; expected {size}."));
                int column = 0;
                foreach (JsonElement cell in cells.EnumerateArray())
                {
                    string text = cell.GetString() ?? "";
                    if (!map.TrySet(row * size + column, text)) throw new InputException(Bad($"map_sums[{row}][{column}] is '{Clip(text)}'; expected M p E (an exact sum)."));
                    column++;
                }
                row++;
            }
            var images = new List<ImageSensitivity>();
            foreach (JsonElement image in root.GetProperty("per_image").EnumerateArray())
            {
                if (image.GetArrayLength() != 5) throw new InputException(Bad($"per_image entry {images.Count} has {image.GetArrayLength()} numbers; expected 5."));
                int index = image[0].GetInt32(), label = image[1].GetInt32();
                double low = image[2].GetDouble(), middle = image[3].GetDouble(), high = image[4].GetDouble();
                if (index < 0 || label < 0 || !(low >= 0) || !(middle >= 0) || !(high >= 0) || double.IsInfinity(low + middle + high))
                {
                    throw new InputException(Bad($"per_image entry {images.Count} is [{index}, {label}, {low}, {middle}, {high}]; expected an index, a label and three finite sums >= 0."));
                }
                images.Add(new ImageSensitivity(index, label, low, middle, high));
            }
            string[] classNames = root.GetProperty("class_names").EnumerateArray().Select(e => e.GetString() ?? throw new InputException(Bad("class_names holds a non-string."))).ToArray();
            RunMetadata metadata = JsonResultReader.ReadRun(root.GetProperty("run"), classNames) with { Parameters = SensitivityAnalysis.Recorded(value) };
            if (metadata.Evaluated != images.Count)
            {
                throw new InputException(Bad($"its run says {metadata.Evaluated} images were evaluated, and per_image holds {images.Count}."));
            }
            return new SensitivityResult(size, value, map, images, metadata, root.GetProperty("seconds").GetDouble());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IndexOutOfRangeException or ArgumentException)
        {
            throw new InputException(Bad(e.Message), e);
        }
    }

    static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "…";

    /// <summary>The chart series of <paramref name="result"/>'s radial profile, labelled by model, weights and value.</summary>
    public static ProfileSeries Series(SensitivityResult result)
    {
        string weights = result.Metadata.WeightsName is { } w ? Path.GetFileNameWithoutExtension(w) : "random weights";
        var profile = SensitivityBands.Profile(result);
        return new ProfileSeries($"{result.Metadata.Model} ({weights}), {SensitivityAnalysis.ValueName(result.Value)}, {result.Images.Count} images",
            profile.Select(b => (double)b.Radius).ToArray(), profile.Select(b => b.Density).ToArray());
    }

    /// <summary>Draws the radial profiles of <paramref name="results"/> in one chart.</summary>
    public static void SaveProfiles(IReadOnlyList<SensitivityResult> results, string path, string? title = null, int width = 900, int height = 560) =>
        ProfileChart.Save(results.Select(Series).ToArray(), path, "sensitivity per coefficient / grid mean (log)",
            title ?? "Fourier sensitivity, radial profile (Krishnamachari et al. 2023)", width, height);

    // The map on the heat map's axes and colour map: log10 of each frequency's mean over the mean of the grid.
    static void Picture(SensitivityResult r, string path)
    {
        int n = r.Size, low = -n / 2, high = n - n / 2 - 1;
        // Cell (v + ⌊N/2⌋)·N + u + ⌊N/2⌋ of the map, each rounded from its exact sum once.
        double[] means = Enumerable.Range(0, n * n).Select(cell => r.Mean(cell % n + low, cell / n + low)).ToArray();
        double mean = means.Average();
        var data = new double[n, n];
        for (int row = 0; row < n; row++)
        {
            for (int column = 0; column < n; column++)
            {
                double cell = means[(n - 1 - row) * n + column];
                data[row, column] = cell > 0 && mean > 0 ? Math.Log10(cell / mean) : double.NaN;
            }
        }
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(data);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.Extent = new CoordinateRect(low - 0.5, high + 0.5, low - 0.5, high + 0.5);
        var bar = plot.Add.ColorBar(heatmap);
        bar.Label = "log10(sensitivity / mean over frequencies)";
        plot.XLabel("u (cycles per image, horizontal)");
        plot.YLabel("v (cycles per image, vertical)");
        RunMetadata m = r.Metadata;
        plot.Title(string.Create(CultureInfo.InvariantCulture,
            $"Fourier sensitivity: {m.Model} ({(m.WeightsName is { } w ? Path.GetFileNameWithoutExtension(w) : "random weights")}), {m.Dataset} n = {r.Images.Count}, {SensitivityAnalysis.ValueName(r.Value)}"),
            size: 13);
        plot.Axes.SetLimits(low - 0.5, high + 0.5, low - 0.5, high + 0.5);
        if (path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase)) plot.SaveSvg(path, 720, 620);
        else plot.SavePng(path, 720, 620);
    }
}
