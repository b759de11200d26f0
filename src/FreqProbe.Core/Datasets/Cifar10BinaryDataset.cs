using Microsoft.Win32.SafeHandles;

namespace FreqProbe.Core.Datasets;

/// <summary>
/// CIFAR-10 in the official binary layout: <c>data_batch_1..5.bin</c> (train) and <c>test_batch.bin</c> (test), each a
/// sequence of 3,073-byte records: one label byte (0–9), then 1,024 red, 1,024 green and 1,024 blue bytes, each
/// plane row-major 32×32. Records are read on demand; only the labels are kept in memory.
/// </summary>
public sealed class Cifar10BinaryDataset : IImageDataset
{
    /// <summary>Bytes per record: one label and 3 × 32 × 32 pixels.</summary>
    public const int RecordSize = 3073;
    const int Side = 32;
    const int Plane = Side * Side;

    static readonly string[] Classes = { "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck" };

    readonly SafeFileHandle[] handles;
    readonly string[] paths;
    readonly int[] firstRecord;
    readonly byte[] labels;

    Cifar10BinaryDataset(string root, string split, string[] paths, SafeFileHandle[] handles, int[] firstRecord, byte[] labels)
    {
        Source = root;
        Split = split;
        this.paths = paths;
        this.handles = handles;
        this.firstRecord = firstRecord;
        this.labels = labels;
    }

    /// <inheritdoc />
    public string Name => "cifar10";

    /// <inheritdoc />
    public string Source { get; }

    /// <inheritdoc />
    public string Split { get; }

    /// <inheritdoc />
    public int Count => labels.Length;

    /// <inheritdoc />
    public ulong? SourceHash(int index) => null; // the content stamp hashes every byte of the batches

    /// <inheritdoc />
    public string ContentStamp()
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (string path in paths)
        {
            using FileStream stream = File.OpenRead(path);
            var buffer = new byte[1 << 20];
            int read;
            while ((read = stream.Read(buffer)) > 0) hash.AppendData(buffer, 0, read);
        }
        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ClassNames => Classes;

    /// <summary>The batch files of a split, in order.</summary>
    public static IReadOnlyList<string> FileNames(string split) => split switch
    {
        "test" => new[] { "test_batch.bin" },
        "train" => Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin").ToArray(),
        _ => throw new InputException("split", $"'{split}' is not a CIFAR-10 split; expected test or train."),
    };

    /// <summary>
    /// Opens a split of the dataset in <paramref name="root"/>, checking that every file is a whole number of records
    /// and every label is 0–9. Nothing is shortened silently.
    /// </summary>
    public static Cifar10BinaryDataset Open(string root, string split = "test")
    {
        if (!Directory.Exists(root))
        {
            throw new InputException("data", $"'{root}' is not a directory; expected a folder with CIFAR-10 binary batches (test_batch.bin, data_batch_1..5.bin).");
        }
        IReadOnlyList<string> names = FileNames(split);
        var paths = new string[names.Count];
        var handles = new List<SafeFileHandle>();
        var first = new int[names.Count];
        var labels = new List<byte>();
        try
        {
            for (int f = 0; f < names.Count; f++)
            {
                string path = Path.Combine(root, names[f]);
                paths[f] = path;
                if (!File.Exists(path))
                {
                    throw new InputException($"{path}: file not found; the CIFAR-10 {split} split needs {string.Join(", ", names)}.");
                }
                if (new FileInfo(path).Length == 0)
                {
                    // Never opened: a named pipe reports no size and would block the read forever.
                    throw new InputException("data", $"{path}: is empty or not a regular file (a pipe or device); expected a CIFAR-10 batch of {RecordSize}-byte records.");
                }
                SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
                handles.Add(handle);
                long length = RandomAccess.GetLength(handle);
                if (length == 0 || length % RecordSize != 0)
                {
                    throw new InputException(
                        $"{path}: size {length} bytes is not a whole number of {RecordSize}-byte records " +
                        $"({length / RecordSize} whole records and {length % RecordSize} bytes left over); the file is truncated or not a CIFAR-10 batch.");
                }
                first[f] = labels.Count;
                ReadLabels(handle, path, length / RecordSize, labels);
            }
            return new Cifar10BinaryDataset(root, split, paths, handles.ToArray(), first, labels.ToArray());
        }
        catch
        {
            foreach (SafeFileHandle h in handles) h.Dispose();
            throw;
        }
    }

    static void ReadLabels(SafeFileHandle handle, string path, long records, List<byte> labels)
    {
        const int chunkRecords = 1024;
        var buffer = new byte[chunkRecords * RecordSize];
        for (long r = 0; r < records; r += chunkRecords)
        {
            int n = (int)Math.Min(chunkRecords, records - r);
            ReadExactly(handle, buffer.AsSpan(0, n * RecordSize), r * RecordSize, path);
            for (int k = 0; k < n; k++)
            {
                byte label = buffer[k * RecordSize];
                if (label > 9)
                {
                    throw new InputException($"{path}: record {r + k} (byte offset {(r + k) * RecordSize}) has label {label}; expected 0–9.");
                }
                labels.Add(label);
            }
        }
    }

    static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset, string path)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int read = RandomAccess.Read(handle, buffer[done..], offset + done);
            if (read == 0) throw new InputException($"{path}: unexpected end of file at byte {offset + done}; the file changed while being read.");
            done += read;
        }
    }

    /// <inheritdoc />
    public int LabelAt(int index) => labels[index];

    /// <inheritdoc />
    public RgbImage Decode(int index)
    {
        (int file, int record) = Locate(index);
        var raw = new byte[RecordSize];
        ReadExactly(handles[file], raw, (long)record * RecordSize, paths[file]);
        var pixels = new byte[Plane * 3];
        for (int p = 0; p < Plane; p++)
        {
            pixels[p * 3] = raw[1 + p];
            pixels[p * 3 + 1] = raw[1 + Plane + p];
            pixels[p * 3 + 2] = raw[1 + 2 * Plane + p];
        }
        return new RgbImage(Side, Side, pixels);
    }

    /// <inheritdoc />
    public string Describe(int index)
    {
        (int file, int record) = Locate(index);
        return $"{paths[file]} record {record}";
    }

    (int File, int Record) Locate(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        int file = Array.FindLastIndex(firstRecord, start => start <= index);
        return (file, index - firstRecord[file]);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (SafeFileHandle handle in handles) handle.Dispose();
    }
}
