using System.Diagnostics;
using System.Text.Json;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Cli.Tests;

/// <summary>
/// Interruption and resume with real `freqprobe` processes, as a user's shell runs them (libtorch work in the test
/// host itself would compete with the child for the CPU and distort the timing).
/// </summary>
public sealed class ResumeTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    string[] Args(string name) => new[]
    {
        "lowpass", "--radii", "2..16:2", "--limit", "1000", "--batch-size", "25", "--threads", "1", "--quiet",
        "--out", dir.File(name + ".csv"), "--predictions", dir.File(name + "-p.csv"), "--checkpoint-every", "0.2",
    };

    static Process Start(IEnumerable<string> args) => Interrupted.Start(args);

    static (int ExitCode, string Error) Run(IEnumerable<string> args)
    {
        using Process process = Start(args);
        Task<string> error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, error.Result);
    }

    static int CheckpointDone(string path)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.GetProperty("Done").GetInt32();
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return 0;
        }
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void A_killed_run_resumes_to_the_results_of_an_uninterrupted_run()
    {
        var full = Run(Args("full"));
        Assert.True(full.ExitCode == 0, full.Error);

        string checkpoint = dir.File("part.csv.checkpoint.json");
        using (Process child = Start(Args("part")))
        {
            var clock = Stopwatch.StartNew();
            while (CheckpointDone(checkpoint) < 100 && !child.HasExited && clock.Elapsed < TimeSpan.FromMinutes(3)) Thread.Sleep(20);
            Assert.False(child.HasExited, "the run finished before it could be interrupted");
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
        }
        int done = CheckpointDone(checkpoint);
        Assert.InRange(done, 100, 999);
        Assert.False(File.Exists(dir.File("part.csv")), "no results file before the run finishes");
        Assert.True(File.Exists(dir.File("part-p.csv.partial")));

        // The checkpoint records the verified execution path; resuming on another path is another run.
        string fingerprint, verification;
        using (JsonDocument doc = JsonDocument.Parse(File.ReadAllText(checkpoint)))
        {
            fingerprint = doc.RootElement.GetProperty("Fingerprint").GetString()!;
            verification = doc.RootElement.GetProperty("Verification").GetString()!;
        }
        Assert.Contains("layout=cpu fp32 ", fingerprint, StringComparison.Ordinal);
        Assert.Matches("^[0-9a-f]{16}-[0-9a-f]{8}$", verification);
        string other = fingerprint.Contains("layout=cpu fp32 nchw", StringComparison.Ordinal) ? "nhwc" : "nchw";
        var otherPath = Run(Args("part").Append("--resume").Append("--layout").Append(other));
        Assert.Equal(2, otherPath.ExitCode);
        Assert.True(File.Exists(checkpoint));

        var resumed = Run(Args("part").Append("--resume"));
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Equal(File.ReadAllText(dir.File("full.csv")), File.ReadAllText(dir.File("part.csv")));
        Assert.Equal(File.ReadAllText(dir.File("full-p.csv")), File.ReadAllText(dir.File("part-p.csv")));
        Assert.False(File.Exists(checkpoint));
        Assert.False(File.Exists(dir.File("part-p.csv.partial")));
    }

    [Fact]
    public void Resuming_a_different_run_is_refused()
    {
        File.WriteAllText(dir.File("x.csv.checkpoint.json"),
            "{\"Done\":25,\"Fingerprint\":\"another run\",\"Tallies\":[],\"Skipped\":[],\"PredictionBytes\":null,\"StartedUtc\":\"2026-01-01T00:00:00+00:00\"}");
        CliRun run = CliRun.Invoke(Args("x").Append("--resume").ToArray());
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("belongs to a different run", run.Error, StringComparison.Ordinal);
    }
}
