using FreqProbe.Core.IO;
using FreqProbe.Core.Results;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Core.Tests.Results;

public sealed class DiskFullTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    // /dev/full answers every write with ENOSPC: the real error a full disk gives, without filling one.
    static IOException RealDiskFullError()
    {
        using var full = new FileStream("/dev/full", FileMode.Open, FileAccess.Write);
        return Assert.ThrowsAny<IOException>(() =>
        {
            full.Write(new byte[4096]);
            full.Flush();
        });
    }

    [Fact]
    public void A_full_disk_is_recognised_and_the_existing_file_survives_a_failed_write()
    {
        if (!File.Exists("/dev/full")) return; // Linux only
        IOException error = RealDiskFullError();
        Assert.True(AtomicFile.IsDiskFull(error), $"not recognised as disk full: {error.HResult} {error.Message}");
        Assert.False(AtomicFile.IsDiskFull(new IOException("Permission denied")));

        string path = dir.File("r.csv");
        File.WriteAllText(path, "good");
        Assert.Same(error, Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write("partial"u8);
            throw error;
        })));
        Assert.Equal("good", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir.Path)); // no temporary file left behind
    }

    [Fact]
    public void Free_space_is_measured_on_the_folders_disk()
    {
        long? free = AtomicFile.FreeBytes(dir.Path);
        Assert.NotNull(free);
        Assert.True(free > AtomicFile.MinimumFreeBytes, $"only {free} bytes free in {dir.Path}");
        Assert.Null(AtomicFile.CheckWritable(dir.File("ok.json")));
    }
}
