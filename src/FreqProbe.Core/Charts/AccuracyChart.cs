using System.Globalization;
using CsvHelper;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Results;
using ScottPlot;

namespace FreqProbe.Core.Charts;

/// <summary>One point of an accuracy curve: x (radius or energy kept) and top-1 with its 95% Wilson interval, as fractions.</summary>
public sealed record ChartPoint(double X, double Top1, double Low, double High);

/// <summary>One curve: a filter kind of one results file, with the file's clean top-1 and class count.</summary>
public sealed record ChartSeries(string Label, string Filter, IReadOnlyList<ChartPoint> Points, double Clean, int? Classes);

/// <summary>What the x axis shows.</summary>
public enum ChartAxis
{
    /// <summary>Filter radius in cycles per image (band-pass: the outer radius).</summary>
    Radius,

    /// <summary>Mean share of spectral energy kept.</summary>
    Energy,
}

/// <summary>
/// Accuracy-versus-radius (or energy) charts from results files (CSV or JSON), written as PNG or SVG with ScottPlot:
/// one line per file and filter kind, a shaded 95% interval, a dashed clean baseline per file and a dotted chance line.
/// </summary>
public static class AccuracyChart
{
    /// <summary>The series in <paramref name="path"/> (a FreqProbe results .csv or .json), one per filter kind.</summary>
    public static IReadOnlyList<ChartSeries> Load(string path, ChartAxis axis)
    {
        List<(string Model, string Weights, string Dataset, FilterResultRow Row)> rows = path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
            ? FromJson(path)
            : path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? FromCsv(path) : throw new InputException($"{path}: expected a results .csv or .json.");
        FilterResultRow? clean = rows.Select(r => r.Row).FirstOrDefault(r => r.Filter == "none")
            ?? throw new InputException($"{path}: no unfiltered (filter none) row; expected a FreqProbe results file.");
        (string model, string weights, string dataset, _) = rows[0];
        string label = weights.Length > 0 ? $"{model} ({weights})" : model;
        return rows.Where(r => r.Row.Filter != "none").GroupBy(r => r.Row.Filter).Select(g => new ChartSeries(
            $"{label} {g.Key}", g.Key,
            g.Select(r => new ChartPoint(axis == ChartAxis.Radius ? r.Row.Radius : r.Row.EnergyKept, r.Row.Top1, r.Row.Low, r.Row.High)).OrderBy(p => p.X).ToArray(),
            clean.Top1, ClassesOf(dataset, clean.Classes))).ToArray();
    }

    /// <summary>Draws <paramref name="series"/> to <paramref name="path"/> (.png or .svg).</summary>
    public static void Save(IReadOnlyList<ChartSeries> series, ChartAxis axis, string path, string? title = null, int width = 900, int height = 560)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var files = series.Select(s => s.Label[..s.Label.LastIndexOf(' ')]).Distinct().ToList();
        for (int i = 0; i < series.Count; i++)
        {
            ChartSeries s = series[i];
            Color color = palette.GetColor(i);
            double[] xs = s.Points.Select(p => p.X).ToArray();
            var band = plot.Add.FillY(xs, s.Points.Select(p => 100 * p.Low).ToArray(), s.Points.Select(p => 100 * p.High).ToArray());
            band.FillColor = color.WithAlpha(0.18);
            band.LineWidth = 0;
            var line = plot.Add.Scatter(xs, s.Points.Select(p => 100 * p.Top1).ToArray());
            line.Color = color;
            line.LineWidth = 2;
            line.MarkerSize = 6;
            line.LegendText = s.Label;
        }
        foreach (string file in files)
        {
            ChartSeries first = series.First(s => s.Label.StartsWith(file, StringComparison.Ordinal));
            var baseline = plot.Add.HorizontalLine(100 * first.Clean);
            baseline.LinePattern = LinePattern.Dashed;
            baseline.Color = palette.GetColor(series.ToList().IndexOf(first));
            baseline.LegendText = $"{file} clean {100 * first.Clean:0.0}%";
        }
        if (series.Select(s => s.Classes).FirstOrDefault(c => c is > 0) is { } classes)
        {
            var chance = plot.Add.HorizontalLine(100.0 / classes);
            chance.LinePattern = LinePattern.Dotted;
            chance.Color = Colors.Gray;
            chance.LegendText = $"chance (1/{classes})";
        }
        plot.XLabel(axis == ChartAxis.Radius ? "radius r (cycles per image)" : "spectral energy kept (fraction)");
        plot.YLabel("top-1 accuracy (%), 95% Wilson interval shaded");
        plot.Title(title ?? "Accuracy under frequency filtering");
        plot.Axes.SetLimitsY(0, 100);
        plot.ShowLegend(Edge.Bottom);
        if (path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase)) plot.SaveSvg(path, width, height);
        else if (path.EndsWith(".png", StringComparison.OrdinalIgnoreCase)) plot.SavePng(path, width, height);
        else throw new InputException("out", IO.OutputFiles.ExtensionProblem(path, IO.OutputFiles.Pictures)!);
    }

    // A row of a results table, the columns a chart needs.
    sealed record FilterResultRow(string Filter, double Radius, double Top1, double Low, double High, double EnergyKept, int? Classes);

    static List<(string, string, string, FilterResultRow)> FromJson(string path)
    {
        SweepSummary summary = JsonResultReader.Read(path);
        RunMetadata m = summary.Metadata;
        string weights = m.WeightsName is { } w ? Path.GetFileNameWithoutExtension(w) : "random weights";
        return summary.Rows.Select(r => (m.Model, weights, m.Dataset, new FilterResultRow(r.Filter.KindName, OuterRadius(r.Filter.RadiusLabel),
            r.Top1, r.Top1Interval.Low, r.Top1Interval.High, r.EnergyKept, (int?)m.NumClasses))).ToList();
    }

    static List<(string, string, string, FilterResultRow)> FromCsv(string path)
    {
        if (!File.Exists(path)) throw new InputException($"{path}: not found.");
        try
        {
            return ReadCsv(path);
        }
        catch (CsvHelperException e)
        {
            throw new InputException($"{path}: not a FreqProbe results CSV: {RegressionComparison.FirstLine(e.Message)}", e);
        }
    }

    static List<(string, string, string, FilterResultRow)> ReadCsv(string path)
    {
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, CultureInfo.InvariantCulture);
        var rows = new List<(string, string, string, FilterResultRow)>();
        if (!csv.Read()) throw new InputException($"{path}: the file is empty; expected a FreqProbe results CSV (.csv) or JSON.");
        csv.ReadHeader();
        string[] needed = { "model", "dataset", "filter", "radius", "top1", "top1_low", "top1_high", "energy_kept" };
        string[] missing = needed.Where(n => !csv.HeaderRecord!.Contains(n)).ToArray();
        if (missing.Length > 0) throw new InputException($"{path}: missing column(s) {string.Join(", ", missing)}; expected a FreqProbe results CSV.");
        string weights = csv.HeaderRecord!.Contains("run") ? "" : Path.GetFileNameWithoutExtension(path);
        while (csv.Read())
        {
            double Number(string column) => double.TryParse(csv.GetField(column), NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
                ? v : throw new InputException($"{path}: line {csv.Parser.RawRow}: '{csv.GetField(column)}' in column {column} is not a number.");
            string filter = csv.GetField("filter")!;
            rows.Add((csv.GetField("model")!, weights, csv.GetField("dataset")!, new FilterResultRow(filter,
                filter == "none" ? 0 : OuterRadius(csv.GetField("radius")!), Number("top1"), Number("top1_low"), Number("top1_high"), Number("energy_kept"), null)));
        }
        if (rows.Count == 0) throw new InputException($"{path}: no rows.");
        return rows;
    }

    // "8" or, for a band, "4-8": the outer radius is the x position.
    static double OuterRadius(string label) =>
        label.Length == 0 ? 0 : double.Parse(label.Split('-')[^1], NumberStyles.Float, CultureInfo.InvariantCulture);

    static int? ClassesOf(string dataset, int? fromFile) => fromFile ?? dataset switch
    {
        "cifar10" or "synthetic" => 10,
        "imagenet" => 1000,
        _ => null,
    };
}
