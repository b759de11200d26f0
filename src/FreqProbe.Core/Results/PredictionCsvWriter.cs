using System.Globalization;
using System.Text;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Spectral;

namespace FreqProbe.Core.Results;

/// <summary>
/// Streams per-image predictions to CSV (<c>index,label,filter,radius,pred,prob</c>) into a temporary file that
/// replaces <see cref="Path"/> only on <see cref="Commit"/>; disposing without committing deletes it.
/// </summary>
public sealed class PredictionCsvWriter : IPredictionSink, IDisposable
{
    readonly string temp;
    readonly StreamWriter writer;
    bool committed;

    /// <summary>Starts writing predictions destined for <paramref name="path"/>.</summary>
    public PredictionCsvWriter(string path)
    {
        Path = path;
        temp = AtomicFile.TempPathFor(path);
        writer = new StreamWriter(new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16), new UTF8Encoding(false));
        writer.WriteLine("index,label,filter,radius,pred,prob");
    }

    /// <summary>The final file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public void Add(int index, int label, FrequencyFilter filter, int predicted, float probability)
    {
        writer.Write(index.ToString(CultureInfo.InvariantCulture));
        writer.Write(',');
        writer.Write(label.ToString(CultureInfo.InvariantCulture));
        writer.Write(',');
        writer.Write(filter.KindName);
        writer.Write(',');
        writer.Write(filter.RadiusLabel);
        writer.Write(',');
        writer.Write(predicted.ToString(CultureInfo.InvariantCulture));
        writer.Write(',');
        writer.WriteLine(probability.ToString("0.########", CultureInfo.InvariantCulture));
    }

    /// <summary>Finishes the file and moves it into place.</summary>
    public void Commit()
    {
        writer.Flush();
        writer.BaseStream.Flush();
        writer.Dispose();
        File.Move(temp, Path, overwrite: true);
        committed = true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (committed) return;
        writer.Dispose();
        AtomicFile.TryDelete(temp);
    }
}
