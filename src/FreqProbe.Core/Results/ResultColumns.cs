using System.Globalization;
using FreqProbe.Core.Evaluation;

namespace FreqProbe.Core.Results;

/// <summary>
/// The columns of a results table, shared by every tabular writer: name (snake_case) and how each row formats it.
/// Numbers use the invariant culture; rates are fractions in [0, 1]; <c>skipped</c> counts the run's undecodable images
/// (the same on every row), so that a CSV alone shows what the rates leave out.
/// </summary>
public static class ResultColumns
{
    /// <summary>The column names for <paramref name="metadata"/>: the fixed ones, then top1_class_K per class when per-class output is on.</summary>
    public static IReadOnlyList<string> NamesFor(RunMetadata metadata) =>
        metadata.PerClass ? Names.Concat(Enumerable.Range(0, metadata.ClassNames.Count).Select(ClassColumn)).ToArray() : Names;

    /// <summary>The per-class column name for <paramref name="label"/>.</summary>
    public static string ClassColumn(int label) => $"top1_class_{label}";

    /// <summary>The fixed column names, in order.</summary>
    public static IReadOnlyList<string> Names { get; } = new[]
    {
        "model", "dataset", "split", "filter", "shape", "profile", "radius", "n", "correct", "top1", "top1_low", "top1_high",
        "top5", "agreement", "coefficients_kept", "energy_kept", "skipped",
    };

    /// <summary>The cells of <paramref name="row"/> under <paramref name="metadata"/>, in column order.</summary>
    public static IReadOnlyList<string> Cells(RunMetadata metadata, FilterResult row)
    {
        var interval = row.Top1Interval;
        bool clean = row.Filter.Kind == Spectral.FilterKind.None;
        var cells = new List<string>
        {
            metadata.Model, metadata.Dataset, metadata.Split, row.Filter.KindName,
            clean ? "" : row.Filter.ShapeName, clean ? "" : row.Filter.ProfileName, row.Filter.RadiusLabel,
            Integer(row.N), Integer(row.Correct), Rate(row.Top1), Rate(interval.Low), Rate(interval.High),
            row.Top5 is { } top5 ? Rate(top5) : "", Rate(row.Agreement), Rate(row.CoefficientsKept), Rate(row.EnergyKept), Integer(metadata.Skipped),
        };
        if (metadata.PerClass)
        {
            for (int k = 0; k < metadata.ClassNames.Count; k++) cells.Add(row.ClassTop1(k) is { } rate ? Rate(rate) : "");
        }
        return cells;
    }

    /// <summary>A fraction with six decimals, invariant culture.</summary>
    public static string Rate(double value) => value.ToString("0.000000", CultureInfo.InvariantCulture);

    /// <summary>An integer, invariant culture.</summary>
    public static string Integer(long value) => value.ToString(CultureInfo.InvariantCulture);
}
