namespace FreqProbe.Core.Tests.Support;

/// <summary>Writes CIFAR-10 binary batch files with known content.</summary>
public static class SyntheticCifar
{
    public const int RecordSize = 3073;

    /// <summary>Record r: label r % 10; pixel p of channel c = (r * 7 + c * 31 + p) % 256.</summary>
    public static byte PixelValue(int record, int channel, int pixel) => (byte)((record * 7 + channel * 31 + pixel) % 256);

    public static byte[] Records(int count, Func<int, byte>? label = null)
    {
        var bytes = new byte[count * RecordSize];
        for (int r = 0; r < count; r++)
        {
            bytes[r * RecordSize] = label?.Invoke(r) ?? (byte)(r % 10);
            for (int c = 0; c < 3; c++)
            {
                for (int p = 0; p < 1024; p++) bytes[r * RecordSize + 1 + c * 1024 + p] = PixelValue(r, c, p);
            }
        }
        return bytes;
    }

    /// <summary>A folder holding test_batch.bin with <paramref name="count"/> records of smooth, label-dependent images.</summary>
    public static void WriteSmoothTestBatch(string folder, int count)
    {
        var bytes = new byte[count * RecordSize];
        for (int r = 0; r < count; r++)
        {
            int label = r % 10;
            bytes[r * RecordSize] = (byte)label;
            for (int c = 0; c < 3; c++)
            {
                for (int y = 0; y < 32; y++)
                {
                    for (int x = 0; x < 32; x++)
                    {
                        double v = 0.5 + 0.3 * Math.Cos(2 * Math.PI * ((label + 1) * x + (r % 7) * y) / 32.0 + c) + 0.1 * Math.Sin(r + x * y);
                        bytes[r * RecordSize + 1 + c * 1024 + y * 32 + x] = (byte)Math.Clamp(Math.Round(v * 255), 0, 255);
                    }
                }
            }
        }
        File.WriteAllBytes(Path.Combine(folder, "test_batch.bin"), bytes);
    }
}
