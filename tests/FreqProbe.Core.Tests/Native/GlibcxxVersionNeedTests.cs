using FreqProbe.Build;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Core.Tests.Native;

public sealed class GlibcxxVersionNeedTests
{
    internal static string PackagedGlue()
    {
        string home = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        return Path.Combine(home, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
    }

    [PackagedGlueFact]
    public void Weakening_marks_only_the_trap_version_and_is_idempotent()
    {
        string original = PackagedGlue();
        using var dir = new TempDirectory();
        string copy = dir.File("libLibTorchSharp.so");
        File.Copy(original, copy);
        Assert.Equal(VersionNeedState.Required, GlibcxxVersionNeed.Inspect(copy));
        Assert.Equal(VersionNeedState.Required, GlibcxxVersionNeed.Inspect(copy, "GLIBCXX_3.4.21"));
        Assert.Equal(VersionNeedState.Weak, GlibcxxVersionNeed.Weaken(copy));
        Assert.Equal(VersionNeedState.Weak, GlibcxxVersionNeed.Inspect(copy));
        Assert.Equal(VersionNeedState.Required, GlibcxxVersionNeed.Inspect(copy, "GLIBCXX_3.4.21")); // other needs untouched
        byte[] before = File.ReadAllBytes(original), after = File.ReadAllBytes(copy);
        Assert.Equal(before.Length, after.Length);
        Assert.Single(Enumerable.Range(0, before.Length), i => before[i] != after[i]); // one flags byte
        Assert.Equal(VersionNeedState.Weak, GlibcxxVersionNeed.Weaken(copy));
        Assert.Equal(after, File.ReadAllBytes(copy));
        Assert.Equal(VersionNeedState.Required, GlibcxxVersionNeed.Inspect(original)); // the NuGet cache is never touched
    }

    [Fact]
    public void Non_ELF_files_and_absent_versions_are_reported_as_such()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("x.so"), "not an ELF file at all, just text that is long enough to read a header from....");
        Assert.Equal(VersionNeedState.NotElf, GlibcxxVersionNeed.Inspect(dir.File("x.so")));
        string original = PackagedGlue();
        if (File.Exists(original)) Assert.Equal(VersionNeedState.Absent, GlibcxxVersionNeed.Inspect(original, "GLIBCXX_9.9.99"));
    }
}

/// <summary>A fact that needs TorchSharp's Linux x64 native glue in the NuGet cache.</summary>
public sealed class PackagedGlueFactAttribute : FactAttribute
{
    public PackagedGlueFactAttribute()
    {
        if (!File.Exists(GlibcxxVersionNeedTests.PackagedGlue())) Skip = "TorchSharp's linux-x64 libLibTorchSharp.so is not in the NuGet cache (not a Linux x64 restore)";
    }
}
