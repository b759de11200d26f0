namespace FreqProbe.Cli.Tests;

public sealed class DoctorCommandTests
{
    [Fact]
    public void Doctor_loads_the_backend_and_reports_the_GLIBCXX_fix()
    {
        CliRun run = CliRun.Invoke("doctor");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("TorchSharp     0.107.0", run.Out, StringComparison.Ordinal);
        Assert.Contains("libtorch       2.10", run.Out, StringComparison.Ordinal);
        Assert.Contains("backend        loaded", run.Out, StringComparison.Ordinal);
        Assert.Contains("CUDA", run.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("MISSING", run.Out, StringComparison.Ordinal);
        bool systemHas = run.Out.Contains("has GLIBCXX_3.4.32: yes", StringComparison.Ordinal);
        Assert.Contains(systemHas ? "GLIBCXX fix    not needed" : "GLIBCXX fix    applied", run.Out, StringComparison.Ordinal);
    }
}
