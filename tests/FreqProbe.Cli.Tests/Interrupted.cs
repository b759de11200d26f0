using System.Diagnostics;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Planning;

namespace FreqProbe.Cli.Tests;

/// <summary>Real checkpoints and real `freqprobe` processes for the tests that interrupt, resume or race runs.</summary>
internal static class Interrupted
{
    /// <summary>
    /// The checkpoint of a real low-pass run with <paramref name="settings"/> (which name --out), stopped after its first
    /// batch as Ctrl-C would stop it; returns the checkpoint's path.
    /// </summary>
    public static string AfterFirstBatch(params (Setting Setting, object Value)[] settings)
    {
        GivenSettings given = GivenSettings.From(settings.Select(s => new GivenValue(s.Setting, s.Value, s.Setting.Option)));
        Resolution resolution = RunResolver.Resolve(given, RunKind.LowPass, ResolverEnvironment.FromVariables("test"));
        Assert.True(resolution.Ok, string.Join("; ", resolution.Problems));
        using var stop = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => SweepRunner.Run(resolution.Request!, progress: new StopAtFirstBatch(stop), cancellation: stop.Token));
        return resolution.Request!.CheckpointPath!;
    }

    sealed class StopAtFirstBatch(CancellationTokenSource stop) : IProgress<SweepProgress>
    {
        public void Report(SweepProgress value) => stop.Cancel();
    }

    /// <summary>
    /// Starts `dotnet freqprobe.dll ARGS` with stdout and stderr redirected, as a user's shell runs it, with
    /// <paramref name="environment"/> set (a null value removes the variable).
    /// </summary>
    public static Process Start(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        // A test run started under nohup passes SIGHUP on as ignored, and freqprobe rightly keeps it ignored; the runs
        // here stand for a user's shell, so they start with SIGHUP at its default (coreutils env --default-signal).
        bool hangupIgnored = HangupIgnored() && File.Exists("/usr/bin/env");
        var start = new ProcessStartInfo(hangupIgnored ? "/usr/bin/env" : "dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        if (hangupIgnored)
        {
            start.ArgumentList.Add("--default-signal=HUP");
            start.ArgumentList.Add("dotnet");
        }
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "freqprobe.dll"));
        foreach (string arg in args) start.ArgumentList.Add(arg);
        foreach ((string name, string? value) in environment ?? new Dictionary<string, string?>()) start.Environment[name] = value;
        return Process.Start(start)!;
    }

    // Whether this process ignores SIGHUP (bit 0 of SigIgn in /proc/self/status).
    static bool HangupIgnored()
    {
        string? line = File.Exists("/proc/self/status") ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal)) : null;
        return line is not null && ulong.TryParse(line["SigIgn:".Length..].Trim(), System.Globalization.NumberStyles.HexNumber, null, out ulong mask) && (mask & 1) != 0;
    }
}
