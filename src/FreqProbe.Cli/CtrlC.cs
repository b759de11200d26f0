using System.Runtime.InteropServices;

namespace FreqProbe.Cli;

/// <summary>
/// While it lives, Ctrl-C (SIGINT), SIGTERM and SIGHUP cancel <see cref="Token"/> instead of killing the process, so
/// that finished work is saved in a checkpoint and the exit code is the conventional 128 + signal: 130, 143 or 129.
/// Slurm, `timeout`, `docker stop` and CI cancellations send SIGTERM; a closed terminal sends SIGHUP.
/// </summary>
internal sealed class CtrlC : IDisposable
{
    readonly CancellationTokenSource source = new();
    readonly List<PosixSignalRegistration> registrations = new();

    /// <summary>
    /// Catches the signals; in a real process (<see cref="HardExit"/> set) also arms the forward-pass watchdog with
    /// <paramref name="forwardTimeout"/> (null: its default rule), whose message goes to <paramref name="error"/> followed
    /// by <paramref name="kept"/>, what of the run is saved.
    /// </summary>
    public CtrlC(TextWriter? error = null, double? forwardTimeout = null, Func<string>? kept = null, Action<string>? notice = null)
    {
        Interlocked.Exchange(ref lastExitCode, 0); // this run's signal, not an earlier one's
        foreach ((PosixSignal signal, int code) in new[] { (PosixSignal.SIGINT, 130), (PosixSignal.SIGTERM, 143), (PosixSignal.SIGHUP, 129) })
        {
            registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                Interlocked.CompareExchange(ref lastExitCode, code, 0);
                FreqProbe.Core.Execution.ForwardWatchdog.Signalled(ExitCode);
                source.Cancel();
            }));
        }
        if (HardExit is { } exit && error is not null)
        {
            watching = true;
            FreqProbe.Core.Execution.ForwardWatchdog.Start(forwardTimeout, (message, code) =>
            {
                error.WriteLine($"freqprobe: {(code == FreqProbe.Core.Execution.ForwardWatchdog.ExitCodeForModel ? "error" : $"interrupted ({SignalName})")}: {message}; " +
                    $"no result files were replaced{(kept?.Invoke() is { Length: > 0 } what ? $"; {what}" : "")}.");
                error.Flush();
                exit(code);
            }, notice);
        }
    }

    readonly bool watching;

    /// <summary>
    /// Ends the process at once with an exit code, without running managed or native shutdown (a thread stuck in a
    /// forward pass could block it). Set only by the real process's entry point, never for in-process test runs.
    /// </summary>
    public static Action<int>? HardExit { get; set; }

    static int lastExitCode;

    /// <summary>
    /// What an interrupted run keeps: the checkpoint at <paramref name="checkpoint"/> saved as it stopped
    /// (<paramref name="savedNow"/>, after Ctrl-C or a signal between passes), or the last periodic one (a run ended
    /// inside a forward pass by the watchdog); null when the run keeps none.
    /// </summary>
    public static string Kept(string? checkpoint, bool savedNow) => checkpoint is { } path && File.Exists(path)
        ? $"{(savedNow ? "the finished images" : "the images finished by the last checkpoint")} are kept in {path}; run the same command with --resume to continue"
        : savedNow ? "nothing was saved (no --out, so no checkpoint)" : "nothing was saved (no --out, or no checkpoint yet)";

    /// <summary>Cancelled on Ctrl-C, SIGTERM or SIGHUP.</summary>
    public CancellationToken Token => source.Token;

    /// <summary>The exit code for the signal that cancelled a run in this process: 130 (Ctrl-C, the default), 143 or 129.</summary>
    public static int ExitCode => lastExitCode == 0 ? ExitCodes.Interrupted : lastExitCode;

    /// <summary>The signal's name for messages.</summary>
    public static string SignalName => ExitCode switch { 143 => "SIGTERM", 129 => "SIGHUP", _ => "Ctrl-C" };

    public void Dispose()
    {
        if (watching) FreqProbe.Core.Execution.ForwardWatchdog.Stop();
        foreach (PosixSignalRegistration registration in registrations) registration.Dispose();
        source.Dispose();
    }
}
