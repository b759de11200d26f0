using FreqProbe.Core.Models;
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
    [Trait("Speed", "slow")]
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

    [Fact]
    [Trait("Speed", "slow")]
    public void A_child_stopped_by_a_signal_is_an_interruption_and_leaves_no_verdict()
    {
        // A scripted model whose forward pass never returns keeps its check in the child until the child is stopped,
        // as a Ctrl-C in the terminal or Slurm's SIGTERM stops it along with the run.
        string archive = SharedData.Fixture(Path.Combine("torchscript", "loops-always.pt"));
        var check = new VerificationCheck
        {
            Model = new ModelUnderTest(FreqProbe.Core.Models.ModelRegistry.TorchScript, archive, FreqProbe.Core.Models.WeightsFile.Sha256(archive), 10, 32, 2),
            Layout = "nchw",
            Precision = "fp32",
        };
        VerdictStore store = VerdictStore.Open(dir.Path, Identity);
        var notices = new List<string>();
        Task<IReadOnlyDictionary<string, Verdict>> verifying = Task.Run(() => PathVerifier.Verify(new[] { check }, store, "cpu", notices.Add));
        int child = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (child == 0 && !verifying.IsCompleted && clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            Thread.Sleep(100);
            child = ProcStat.ChildrenOf(Environment.ProcessId).FirstOrDefault(pid => File.ReadAllText($"/proc/{pid}/cmdline").Contains(VerificationWorker.Command, StringComparison.Ordinal));
        }
        Assert.True(child != 0, "no verification worker was started");
        Thread.Sleep(1000); // inside the endless forward pass by now
        using (var kill = System.Diagnostics.Process.Start("kill", new[] { "-TERM", child.ToString(System.Globalization.CultureInfo.InvariantCulture) })) kill.WaitForExit();
        var stopped = Assert.ThrowsAny<OperationCanceledException>(() => verifying.GetAwaiter().GetResult());
        Assert.Contains("stopped", stopped.Message, StringComparison.Ordinal);
        Assert.Empty(store.Verdicts);
        Assert.Empty(VerdictStore.Open(dir.Path, Identity).Verdicts);
    }

    [Fact]
    public void Stops_recorded_as_crashes_by_earlier_versions_are_checked_again_and_real_crashes_are_kept()
    {
        VerdictStore store = VerdictStore.Open(dir.Path, Identity);
        var crash = new VerificationCheck { Shape = Check.Shape, Kernel = ConvolutionKernel.ChannelsLast };
        var stop = new VerificationCheck { Shape = Check.Shape, Kernel = ConvolutionKernel.ChannelsFirst };
        store.Add(crash.Key, new Verdict(false, double.NaN, 1e-4, "crashed: killed by SIGFPE (exit 136)"));
        store.Add(stop.Key, new Verdict(false, double.NaN, 1e-4, "crashed: killed by signal 15 (exit 143)"));
        store.Save();
        VerdictStore reopened = VerdictStore.Open(dir.Path, Identity);
        Assert.Null(reopened.Distrusted);
        Assert.True(reopened.Verdicts.ContainsKey(crash.Key));
        Assert.False(reopened.Verdicts.ContainsKey(stop.Key));
    }
}
