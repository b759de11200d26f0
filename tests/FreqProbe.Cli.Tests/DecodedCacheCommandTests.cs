using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Cli.Tests;

/// <summary>A fact that mounts a small tmpfs: needs root and mount(8); skipped with a message otherwise.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        if (Environment.UserName != "root" || !File.Exists("/bin/mount") && !File.Exists("/usr/bin/mount")) Skip = "needs root and mount(8) to make a 1 MB filesystem";
    }
}

// Issue 32 #12: a damaged or swapped decoded cache, and a full disk under it, used to end as "internal error:
// System.AggregateException" (exit 1) around the intended message.
public sealed class DecodedCacheCommandTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    string Folder(string name, int shade)
    {
        for (int i = 0; i < 6; i++)
        {
            Directory.CreateDirectory(dir.File($"{name}/c{i % 2}"));
            TestImages.Jpeg(dir.File($"{name}/c{i % 2}/{i}.jpg"), 40, 40, (x, y) => ((byte)(x * 5 + shade + i), (byte)(y * 4), (byte)((x * y + shade) % 256)));
        }
        return dir.File(name);
    }

    CliRun Evaluate(string data, string cache) => CliRun.Invoke("lowpass", "--model", "cifar-resnet20", "--weights", "random", "--dataset", "imagefolder",
        "--data", data, "--radii", "4", "--input-size", "32", "--threads", "2", "--decoded-cache", cache, "--quiet");

    static string DataFile(string cacheRoot) => Assert.Single(Directory.GetFiles(cacheRoot, "inputs.u8", SearchOption.AllDirectories));

    [Fact]
    [Trait("Speed", "slow")]
    public void Flipped_bytes_or_a_data_file_from_another_cache_are_exit_2_naming_the_cache()
    {
        string a = Folder("a", 0), b = Folder("b", 90);
        Assert.Equal(0, Evaluate(a, dir.File("cache-a")).ExitCode);
        Assert.Equal(0, Evaluate(b, dir.File("cache-b")).ExitCode);
        string dataA = DataFile(dir.File("cache-a")), dataB = DataFile(dir.File("cache-b"));
        byte[] original = File.ReadAllBytes(dataA);

        using (var stream = new FileStream(dataA, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = 3 * 32 * 32 * 2 + 17;
            stream.Write(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 });
        }
        CliRun flipped = Evaluate(a, dir.File("cache-a"));
        Assert.Equal(2, flipped.ExitCode);
        Assert.Contains("image 2", flipped.Error, StringComparison.Ordinal);
        Assert.Contains("does not match its checksum", flipped.Error, StringComparison.Ordinal);
        Assert.Contains(Path.GetDirectoryName(dataA)!, flipped.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", flipped.Error, StringComparison.Ordinal);

        File.Copy(dataB, dataA, overwrite: true); // same size, another folder's images
        CliRun swapped = Evaluate(a, dir.File("cache-a"));
        Assert.Equal(2, swapped.ExitCode);
        Assert.Contains("does not match its checksum", swapped.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("AggregateException", swapped.Error, StringComparison.Ordinal);

        File.WriteAllBytes(dataA, original);
        Assert.Equal(0, Evaluate(a, dir.File("cache-a")).ExitCode);
    }

    [TmpfsFact]
    public void A_full_disk_under_the_cache_is_exit_2_saying_so()
    {
        string data = Folder("a", 0);
        string mount = dir.File("tiny");
        Directory.CreateDirectory(mount);
        Run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount);
        try
        {
            // 1 MB holds 6 inputs of 3 KB, so fill it first, leaving less than one input's room.
            using (var filler = new FileStream(Path.Combine(mount, "filler"), FileMode.Create))
            {
                var block = new byte[4096];
                try
                {
                    while (true) filler.Write(block);
                }
                catch (IOException)
                {
                }
            }
            CliRun run = Evaluate(data, Path.Combine(mount, "cache"));
            Assert.Equal(2, run.ExitCode);
            Assert.Contains("No space left on device", run.Error, StringComparison.Ordinal);
            Assert.Contains("free some space, or point --decoded-cache at a disk with room", run.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("internal error", run.Error, StringComparison.Ordinal);
        }
        finally
        {
            Run("umount", mount);
        }
    }

    static void Run(string program, params string[] args)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(program, args) { RedirectStandardError = true })!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)}: {error}");
    }
}
