using System.Globalization;
using System.Text;
using CsvHelper;
using FreqProbe.Core.Evaluation;

namespace FreqProbe.Core.Results;

/// <summary>One CSV row per filter setting, snake_case headers, invariant culture (CsvHelper).</summary>
public sealed class CsvResultWriter : IResultWriter
{
    /// <inheritdoc />
    public void Write(SweepSummary summary, Stream output)
    {
        using var text = new StreamWriter(output, new UTF8Encoding(false), leaveOpen: true);
        using var csv = new CsvWriter(text, CultureInfo.InvariantCulture);
        foreach (string name in ResultColumns.NamesFor(summary.Metadata)) csv.WriteField(name);
        csv.NextRecord();
        foreach (FilterResult row in summary.Rows)
        {
            foreach (string cell in ResultColumns.Cells(summary.Metadata, row)) csv.WriteField(cell);
            csv.NextRecord();
        }
    }
}
