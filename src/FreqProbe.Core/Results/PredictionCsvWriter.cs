using System.Globalization;
using System.Text;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.IO;
using FreqProbe.Core.Spectral;

namespace FreqProbe.Core.Results;

/// <summary>
/// Streams per-image predictions to CSV (<c>index,label,filter,radius,pred,prob</c>) into <c>PATH.partial</c>, which
/// replaces <see cref="Path"/> only on <see cref="Commit"/>. A run that stops after a checkpoint keeps the partial
/// file, and a resumed run truncates it to the checkpoint's length and appends; a run that stops before any
/// checkpoint removes it.
/// </summary>
public sealed class PredictionCsvWriter : IPredictionSink, IDisposable
{
    readonly string partial;
    readonly StreamWriter writer;
    bool committed;
    bool referenced;

    /// <summary>Starts writing predictions destined for <paramref name="path"/>, or continues at <paramref name="resumeBytes"/>.</summary>
    public PredictionCsvWriter(string path, long? resumeBytes = null)
    {
        Path = path;
        partial = path + ".partial";
        bool resume = resumeBytes is { } bytes && File.Exists(partial) && new FileInfo(partial).Length >= bytes;
        if (resumeBytes is { } wanted && !resume)
        {
            throw new InputException("resume", $"the checkpoint counts {wanted} bytes of predictions in {partial}, but that file is " +
                $"{(File.Exists(partial) ? $"only {new FileInfo(partial).Length} bytes" : "missing")}; the predictions of the finished images are lost, so the run cannot resume. Run without --resume to start afresh.");
        }
        var stream = new FileStream(partial, resume ? FileMode.Open : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        if (resume)
        {
            stream.SetLength(resumeBytes!.Value);
            stream.Seek(0, SeekOrigin.End);
            referenced = true;
        }
        writer = new StreamWriter(stream, new UTF8Encoding(false));
        if (!resume) writer.WriteLine("index,label,filter,radius,pred,prob");
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

    /// <inheritdoc />
    public long Flush()
    {
        writer.Flush();
        writer.BaseStream.Flush();
        referenced = true;
        return writer.BaseStream.Position;
    }

    /// <summary>Finishes the file and moves it into place.</summary>
    public void Commit()
    {
        writer.Flush();
        writer.Dispose();
        AtomicFile.Replace(partial, Path);
        committed = true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (committed) return;
        writer.Dispose();
        if (!referenced) AtomicFile.TryDelete(partial);
    }
}
