using System.Globalization;
using System.Text;
using FreqProbe.Core.IO;

namespace FreqProbe.Core.Training;

/// <summary>
/// The per-epoch probe files of `train --probe-radii`: NAME.probe.csv (top-1 per epoch, split, filter and radius) and
/// NAME.fprinciple.csv (e_low and e_high per epoch and kernel width). Both are rewritten whole, atomically, from the
/// run's checkpointed state after every epoch, so a resumed run leaves the same file as an uninterrupted one.
/// </summary>
public static class ProbeFiles
{
    /// <summary>The header of NAME.probe.csv.</summary>
    public const string AccuracyHeader = "epoch,split,filter,radius,n,correct,top1";

    /// <summary>The header of NAME.fprinciple.csv.</summary>
    public const string FPrincipleHeader = "epoch,width_over_median,delta,n,e_low,e_high";

    /// <summary>Which probe file <paramref name="path"/> is, by its header: "probe", "fprinciple", or null for anything else.</summary>
    public static string? KindOf(string path)
    {
        try
        {
            using var reader = new StreamReader(path);
            return reader.ReadLine()?.Trim() switch
            {
                AccuracyHeader => "probe",
                FPrincipleHeader => "fprinciple",
                _ => null,
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Writes <paramref name="rows"/> to <paramref name="path"/>.</summary>
    public static void WriteAccuracy(string path, IEnumerable<ProbeRow> rows)
    {
        var text = new StringBuilder(AccuracyHeader).Append('\n');
        foreach (ProbeRow r in rows)
        {
            string radius = double.IsNaN(r.Radius) ? "" : r.Radius.ToString("0.###", CultureInfo.InvariantCulture);
            text.Append(string.Create(CultureInfo.InvariantCulture, $"{r.Epoch},{r.Split},{r.Filter},{radius},{r.N},{r.Correct},{r.Top1:0.######}\n"));
        }
        AtomicFile.Write(path, s => s.Write(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>Writes <paramref name="rows"/> to <paramref name="path"/>.</summary>
    public static void WriteFPrinciple(string path, IEnumerable<FPrincipleRow> rows)
    {
        var text = new StringBuilder(FPrincipleHeader).Append('\n');
        foreach (FPrincipleRow r in rows)
        {
            text.Append(string.Create(CultureInfo.InvariantCulture, $"{r.Epoch},{r.WidthOverMedian:0.####},{r.Delta:R},{r.N},{r.LowError:R},{r.HighError:R}\n"));
        }
        AtomicFile.Write(path, s => s.Write(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>Reads NAME.probe.csv; a file of another kind or a malformed line is an <see cref="InputException"/> naming the file and line.</summary>
    public static IReadOnlyList<ProbeRow> ReadAccuracy(string path) => Read(path, AccuracyHeader, 7, (f, line) => new ProbeRow(
        Integer(f[0], path, line, "epoch"), f[1], f[2], f[3].Length == 0 ? double.NaN : Number(f[3], path, line, "radius"),
        Integer(f[4], path, line, "n"), Integer(f[5], path, line, "correct")));

    /// <summary>Reads NAME.fprinciple.csv; a file of another kind or a malformed line is an <see cref="InputException"/> naming the file and line.</summary>
    public static IReadOnlyList<FPrincipleRow> ReadFPrinciple(string path) => Read(path, FPrincipleHeader, 6, (f, line) => new FPrincipleRow(
        Integer(f[0], path, line, "epoch"), Number(f[1], path, line, "width_over_median"), Number(f[2], path, line, "delta"),
        Integer(f[3], path, line, "n"), Number(f[4], path, line, "e_low"), Number(f[5], path, line, "e_high")));

    static IReadOnlyList<T> Read<T>(string path, string header, int fields, Func<string[], int, T> parse)
    {
        string[] lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0].Trim() != header)
        {
            throw new InputException($"{path}: not a FreqProbe probe file; expected the header '{header}'.");
        }
        var rows = new List<T>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            string[] f = lines[i].Split(',');
            if (f.Length != fields) throw new InputException($"{path}, line {i + 1}: {f.Length} fields; expected {fields} ({header}).");
            rows.Add(parse(f, i + 1));
        }
        if (rows.Count == 0) throw new InputException($"{path}: no rows after the header; the run has not finished an epoch yet.");
        return rows;
    }

    static int Integer(string text, string path, int line, string column) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= 0
            ? v : throw new InputException($"{path}, line {line}: {column} '{text}' is not a whole number of at least 0.");

    static double Number(string text, string path, int line, string column) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)
            ? v : throw new InputException($"{path}, line {line}: {column} '{text}' is not a finite number.");
}
