using FreqProbe.Core.Execution;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Core.Tests.Execution;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class VerdictStoreTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    static MachineIdentity Identity => MachineIdentity.Current("cpu", 1);

    static readonly VerificationCheck Check = new()
    {
        Shape = new ConvolutionShape(3, 16, 32, 1, 1, 2, 0, 1, true, 8, 8),
        Kernel = ConvolutionKernel.MatrixProduct,
    };

    [Fact]
    public void The_key_changes_with_the_processor_libtorch_threads_device_environment_and_check_version()
    {
        MachineIdentity m = Identity;
        var others = new[]
        {
            m with { LibTorch = m.LibTorch + "+other" },
            m with { TorchSharp = "0.0.1" },
            m with { Processor = m.Processor + " avx512_fp16" },
            m with { Threads = m.Threads + 1 },
            m with { Device = "cuda:0 (NVIDIA H200)" },
            m with { Environment = "ONEDNN_MAX_CPU_ISA=AVX2" },
            m with { CheckVersion = m.CheckVersion + 1 },
        };
        Assert.Equal(m.Key, Identity.Key);
        Assert.Equal(others.Length + 1, others.Select(o => o.Key).Append(m.Key).Distinct().Count());
        Assert.Contains("flags=", m.Processor, StringComparison.Ordinal);
    }

    [Fact]
    public void A_check_runs_in_a_child_once_and_its_verdict_is_kept()
    {
        VerdictStore store = VerdictStore.Open(dir.Path, Identity);
        Assert.Empty(store.Verdicts);
        var notices = new List<string>();
        Verdict verdict = PathVerifier.Verify(new[] { Check }, store, "cpu", notices.Add)[Check.Key];
        Assert.True(verdict.Ok, verdict.Detail);
        Assert.True(verdict.MaxError < 1e-5, $"{verdict.MaxError}");
        Assert.Contains(notices, n => n.Contains("child process", StringComparison.Ordinal));

        VerdictStore again = VerdictStore.Open(dir.Path, Identity);
        Assert.Null(again.Distrusted);
        notices.Clear();
        Assert.Equal(verdict, PathVerifier.Verify(new[] { Check }, again, "cpu", notices.Add)[Check.Key]);
        Assert.Empty(notices);
    }

    [Theory]
    [InlineData("garbage", "not a readable verdict file")]
    [InlineData("edit", "does not match its checksum")]
    [InlineData("foreign", "other users may write it")]
    [InlineData("other-machine", "another machine")]
    public void A_corrupt_edited_foreign_or_misplaced_cache_is_not_trusted_and_is_checked_again(string damage, string reason)
    {
        VerdictStore store = VerdictStore.Open(dir.Path, Identity);
        PathVerifier.Verify(new[] { Check }, store, "cpu", null);
        string path = store.Path;
        switch (damage)
        {
            case "garbage":
                File.WriteAllText(path, "{ not json");
                break;
            case "edit":
                // Turn the verdict into a lie without fixing the checksum.
                File.WriteAllText(path, File.ReadAllText(path).Replace("\"ok\": true", "\"ok\": false", StringComparison.Ordinal));
                break;
            case "foreign":
                File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.OtherWrite);
                break;
            case "other-machine":
                // A valid file of another identity copied under this one's name.
                VerdictStore other = VerdictStore.Open(dir.Path, Identity with { LibTorch = "9.9.9" });
                other.Add(Check.Key, new Verdict(true, 0, 1, "forged"));
                other.Save();
                File.Copy(other.Path, path, overwrite: true);
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                break;
        }
        VerdictStore reopened = VerdictStore.Open(dir.Path, Identity);
        Assert.Contains(reason, reopened.Distrusted ?? "(trusted)", StringComparison.Ordinal);
        Assert.Empty(reopened.Verdicts);
        var notices = new List<string>();
        Verdict verdict = PathVerifier.Verify(new[] { Check }, reopened, "cpu", notices.Add)[Check.Key];
        Assert.True(verdict.Ok);
        Assert.Contains(notices, n => n.Contains("is not trusted", StringComparison.Ordinal));
        VerdictStore repaired = VerdictStore.Open(dir.Path, Identity);
        Assert.Null(repaired.Distrusted);
        Assert.Equal("matches the float64 reference", repaired.Verdicts[Check.Key].Detail);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void A_symbolic_link_is_not_trusted()
    {
        string target = dir.File("elsewhere.json");
        File.WriteAllText(target, "{}");
        VerdictStore store = VerdictStore.Open(dir.Path, Identity);
        Directory.CreateDirectory(Path.GetDirectoryName(store.Path)!);
        File.CreateSymbolicLink(store.Path, target);
        Assert.Equal("it is a symbolic link", VerdictStore.Open(dir.Path, Identity).Distrusted);
    }
}
