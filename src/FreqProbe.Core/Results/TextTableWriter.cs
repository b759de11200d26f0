using System.Globalization;
using FreqProbe.Core.Evaluation;

namespace FreqProbe.Core.Results;

/// <summary>The human table for a terminal: accuracies in percent, aligned columns.</summary>
public static class TextTableWriter
{
    /// <summary>Writes <paramref name="summary"/> as an aligned table to <paramref name="output"/>.</summary>
    public static void Write(SweepSummary summary, TextWriter output)
    {
        RunMetadata m = summary.Metadata;
        int perClass = m.PerClass ? m.ClassNames.Count : 0;
        string[] header = new[] { "filter", "radius", "n", "top1 %", "95% CI", "top5 %", "agree %", "coef kept", "energy kept" }
            .Concat(Enumerable.Range(0, perClass).Select(k => $"c{k} %")).ToArray();
        var rows = new List<string[]> { header };
        foreach (FilterResult row in summary.Rows)
        {
            var interval = row.Top1Interval;
            rows.Add(new[]
            {
                row.Filter.KindName, row.Filter.RadiusLabel, row.N.ToString(CultureInfo.InvariantCulture), Percent(row.Top1),
                $"{Percent(interval.Low)}-{Percent(interval.High)}", row.Top5 is { } t ? Percent(t) : "-", Percent(row.Agreement),
                row.CoefficientsKept.ToString("0.0000", CultureInfo.InvariantCulture), row.EnergyKept.ToString("0.0000", CultureInfo.InvariantCulture),
            }.Concat(Enumerable.Range(0, perClass).Select(k => row.ClassTop1(k) is { } rate ? Percent(rate) : "-")).ToArray());
        }
        int[] widths = Enumerable.Range(0, header.Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (string[] row in rows)
        {
            output.WriteLine(string.Join("  ", row.Select((cell, c) => c < 2 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))));
        }
        if (perClass > 0) output.WriteLine("classes: " + string.Join(", ", m.ClassNames.Select((name, k) => $"c{k} = {name}")));
    }

    static string Percent(double fraction) => (100 * fraction).ToString("0.00", CultureInfo.InvariantCulture);
}
