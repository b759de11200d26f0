using FreqProbe.Core.Datasets;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Core.Tests.Datasets;

public sealed class DecodedInputCacheTests
{
    static readonly PreprocessPolicy Policy = new(56, 64);

    static string Folder(TempDirectory dir)
    {
        for (int i = 0; i < 5; i++)
        {
            Directory.CreateDirectory(dir.File($"data/c{i % 2}"));
            int shade = 40 * i;
            TestImages.Jpeg(dir.File($"data/c{i % 2}/{i}.jpg"), 90 + 7 * i, 70 + 5 * i, (x, y) => ((byte)(x * 3 + shade), (byte)(y * 2), (byte)((x * y) % 256)));
        }
        File.WriteAllBytes(dir.File("data/c1/broken.jpg"), new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 0, 16 });
        return dir.File("data");
    }

    // The cache under dir/cache over all six images of the folder.
    static DecodedInputCache OpenAll(TempDirectory dir, string data, int threads, List<string> notices) =>
        DecodedInputCache.Open(dir.File("cache"), ImageFolderDataset.Open(data), Policy, ImageFileCheck.DefaultMaxPixels, Enumerable.Range(0, 6).ToArray(), threads, notices.Add);

    static byte[][] Inputs(IImageDataset data, out string?[] bad)
    {
        bad = new string?[data.Count];
        var all = new byte[data.Count][];
        for (int i = 0; i < data.Count; i++)
        {
            all[i] = new byte[3 * 56 * 56];
            try
            {
                data.Prepare(i, Policy, all[i]);
            }
            catch (BadImageException e)
            {
                bad[i] = e.Reason;
            }
        }
        return all;
    }

    [Fact]
    public void Cached_inputs_equal_decoded_ones_and_a_second_opening_decodes_nothing()
    {
        using var dir = new TempDirectory();
        string data = Folder(dir);
        byte[][] direct = Inputs(ImageFolderDataset.Open(data), out string?[] directBad);
        var notices = new List<string>();
        using (DecodedInputCache first = OpenAll(dir, data, 2, notices))
        {
            Assert.Equal(6, first.Decoded);
            byte[][] cached = Inputs(first, out string?[] cachedBad);
            Assert.Equal(direct, cached);
            Assert.Equal(directBad, cachedBad);
            Assert.Single(directBad, b => b is not null);
        }
        using DecodedInputCache second = OpenAll(dir, data, 2, notices);
        Assert.Equal(0, second.Decoded);
        Assert.Equal(direct, Inputs(second, out _));
        Assert.Single(notices);
    }

    [Fact]
    public void A_changed_data_folder_or_a_damaged_index_is_rebuilt_and_damaged_bytes_are_refused()
    {
        using var dir = new TempDirectory();
        string data = Folder(dir);
        var notices = new List<string>();
        DecodedInputCache Open() => OpenAll(dir, data, 1, notices);
        string folder;
        using (DecodedInputCache cache = Open()) folder = cache.Folder;

        File.SetLastWriteTimeUtc(Path.Combine(data, "c0", "0.jpg"), DateTime.UtcNow.AddMinutes(5));
        using (DecodedInputCache cache = Open()) Assert.Equal(6, cache.Decoded);
        Assert.Contains(notices, n => n.Contains("the data folder changed", StringComparison.Ordinal));

        File.AppendAllText(Path.Combine(folder, "index.json"), " ");
        using (DecodedInputCache cache = Open()) Assert.Equal(6, cache.Decoded);
        Assert.Contains(notices, n => n.Contains("does not match its checksum", StringComparison.Ordinal));

        // One byte of image 0 flipped in the data file: reading it is an error naming the cache, never a silent use.
        using (var stream = new FileStream(Path.Combine(folder, "inputs.u8"), FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = 100;
            int b = stream.ReadByte();
            stream.Position = 100;
            stream.WriteByte((byte)(b ^ 0xFF));
        }
        using DecodedInputCache damaged = Open();
        Assert.Equal(0, damaged.Decoded);
        var input = new byte[3 * 56 * 56];
        InputException e = Assert.Throws<InputException>(() => damaged.Prepare(0, Policy, input));
        Assert.Contains(folder, e.Message, StringComparison.Ordinal);
        damaged.Prepare(1, Policy, input);
    }

    // The reproduction of the report: one JPEG re-encoded in place with the same size and its modification time put
    // back (touch -r): the folder's fingerprint is unchanged, yet the cache serves the new image, decoded once more.
    [Fact]
    public void An_image_edited_in_place_with_its_size_and_time_kept_is_decoded_again()
    {
        using var dir = new TempDirectory();
        string data = Folder(dir);
        var notices = new List<string>();
        DecodedInputCache Open() => OpenAll(dir, data, 2, notices);
        using (DecodedInputCache cache = Open()) Assert.Equal(6, cache.Decoded);

        string stamp = ImageFolderDataset.Open(data).ContentStamp();
        string victim = Path.Combine(data, "c0", "2.jpg");
        var before = new FileInfo(victim);
        (long length, DateTime time) = (before.Length, before.LastWriteTimeUtc);
        byte[] original = File.ReadAllBytes(victim);
        string other = dir.File("other.jpg");
        TestImages.Jpeg(other, 104, 80, (x, y) => ((byte)(255 - x), (byte)(y * 3), 30));
        byte[] replacement = File.ReadAllBytes(other);
        Array.Resize(ref replacement, original.Length); // same size: trailing zeros after the JPEG end marker, or truncated scan data
        File.WriteAllBytes(victim, replacement);
        File.SetLastWriteTimeUtc(victim, time);
        Assert.Equal(length, new FileInfo(victim).Length);
        Assert.Equal(stamp, ImageFolderDataset.Open(data).ContentStamp()); // names, sizes and times: unchanged

        byte[][] direct = Inputs(ImageFolderDataset.Open(data), out string?[] directBad);
        using DecodedInputCache reopened = Open();
        Assert.Equal(1, reopened.Decoded);
        Assert.Contains(notices, n => n.Contains("1 image file(s) changed since they were decoded although their sizes and modification times did not", StringComparison.Ordinal)
            && n.Contains(victim, StringComparison.Ordinal));
        Assert.Equal(direct, Inputs(reopened, out string?[] cachedBad));
        Assert.Equal(directBad, cachedBad);
        using DecodedInputCache third = Open();
        Assert.Equal(0, third.Decoded);
    }

    // Issue 32 #12: a run reading the cache while another rebuilds it in place used to read zeros (checksum mismatch).
    // A rebuild, or new bytes over images a reader may read, go to a new file renamed over the old one.
    [Fact]
    public void A_run_reading_the_cache_keeps_its_inputs_while_another_rebuilds_or_redecodes_it()
    {
        using var dir = new TempDirectory();
        string data = Folder(dir);
        var notices = new List<string>();
        byte[][] original = Inputs(ImageFolderDataset.Open(data), out _);
        using DecodedInputCache reader = OpenAll(dir, data, 2, notices);

        File.SetLastWriteTimeUtc(Path.Combine(data, "c0", "0.jpg"), DateTime.UtcNow.AddMinutes(5)); // the next opening rebuilds
        using (DecodedInputCache rebuilt = OpenAll(dir, data, 2, notices))
        {
            Assert.Equal(6, rebuilt.Decoded);
            Assert.Equal(original, Inputs(rebuilt, out _));
        }
        Assert.Equal(original, Inputs(reader, out _));

        // An edit in place (same size and time) while a reader holds the file: the new bytes go to a copy.
        using DecodedInputCache second = OpenAll(dir, data, 2, notices);
        string victim = Path.Combine(data, "c0", "2.jpg");
        var info = new FileInfo(victim);
        DateTime time = info.LastWriteTimeUtc;
        byte[] bytes = File.ReadAllBytes(victim);
        TestImages.Jpeg(dir.File("other.jpg"), 104, 80, (x, y) => ((byte)(255 - x), (byte)(y * 3), 30));
        byte[] replacement = File.ReadAllBytes(dir.File("other.jpg"));
        Array.Resize(ref replacement, bytes.Length);
        File.WriteAllBytes(victim, replacement);
        File.SetLastWriteTimeUtc(victim, time);
        byte[][] edited = Inputs(ImageFolderDataset.Open(data), out _);
        Assert.Single(Enumerable.Range(0, 6), i => !original[i].SequenceEqual(edited[i]));
        using (DecodedInputCache third = OpenAll(dir, data, 2, notices))
        {
            Assert.Equal(1, third.Decoded);
            Assert.Equal(edited, Inputs(third, out _));
        }
        Assert.Equal(original, Inputs(reader, out _));
        Assert.Equal(original, Inputs(second, out _));
        Assert.Empty(Directory.GetFiles(reader.Folder, "*.new"));
    }
}
