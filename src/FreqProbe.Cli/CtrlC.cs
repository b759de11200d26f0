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

    public CtrlC()
    {
        Interlocked.Exchange(ref lastExitCode, 0); // this run's signal, not an earlier one's
        foreach ((PosixSignal signal, int code) in new[] { (PosixSignal.SIGINT, 130), (PosixSignal.SIGTERM, 143), (PosixSignal.SIGHUP, 129) })
        {
            registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                Interlocked.CompareExchange(ref lastExitCode, code, 0);
                source.Cancel();
            }));
        }
    }

    static int lastExitCode;

    /// <summary>Cancelled on Ctrl-C, SIGTERM or SIGHUP.</summary>
    public CancellationToken Token => source.Token;

    /// <summary>The exit code for the signal that cancelled a run in this process: 130 (Ctrl-C, the default), 143 or 129.</summary>
    public static int ExitCode => lastExitCode == 0 ? ExitCodes.Interrupted : lastExitCode;

    /// <summary>The signal's name for messages.</summary>
    public static string SignalName => ExitCode switch { 143 => "SIGTERM", 129 => "SIGHUP", _ => "Ctrl-C" };

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in registrations) registration.Dispose();
        source.Dispose();
    }
}
