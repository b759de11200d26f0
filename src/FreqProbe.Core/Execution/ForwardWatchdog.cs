using System.Diagnostics;
using System.Globalization;

namespace FreqProbe.Core.Execution;

/// <summary>
/// Watches every model forward pass (<see cref="InferencePrecision.Forward"/> enters it). A forward pass runs in native
/// code and cannot be interrupted: a scripted model that loops forever would ignore SIGTERM and SIGINT, and only
/// SIGKILL would stop it. While a host has <see cref="Start"/>ed the watchdog, a dedicated thread ends the run through
/// the host's abort action when
/// <list type="bullet">
/// <item>one forward pass outlasts its limit: <c>--forward-timeout</c> seconds, or by default
/// <see cref="FirstPassSeconds"/> for the first pass of the run (the pre-check) and the larger of that and
/// <see cref="SlowestFactor"/> times the slowest pass so far for later ones (exit 2: the model is at fault), or</item>
/// <item>a signal arrived (<see cref="Signalled"/>) and the pass still has not returned after the larger of
/// <see cref="GraceSeconds"/> and twice the slowest pass (exit 128 + signal).</item>
/// </list>
/// A pass running longer than <see cref="NoticeSeconds"/> and five times the slowest so far is reported once, so that
/// a run that seems stuck says where it is.
/// </summary>
public static class ForwardWatchdog
{
    /// <summary>The default limit of the first forward pass of a run, in seconds.</summary>
    public const double FirstPassSeconds = 600;

    /// <summary>By default a later pass may take this many times the slowest one so far (and at least <see cref="FirstPassSeconds"/>).</summary>
    public const double SlowestFactor = 20;

    /// <summary>After a signal, a pass in flight gets at least this long to return before the run ends without it.</summary>
    public const double GraceSeconds = 5;

    /// <summary>A pass still running after this long (and 5× the slowest) is reported once.</summary>
    public const double NoticeSeconds = 5;

    static readonly object gate = new();
    static long entered;          // Stopwatch timestamp of the pass in flight; 0 when none
    static int depth;
    static long slowest;          // ticks of the slowest finished pass
    static long finished;
    static bool noticed;
    static double? limitSeconds;  // null: the default rule; 0: no limit
    static Action<string, int>? abort;
    static Action<string>? notice;
    static (long At, int Code)? signal;
    static Thread? monitor;
    static Process? worker;       // the child process in flight, if any
    static long workerEntered;

    /// <summary>
    /// Arms the watchdog for this process: <paramref name="limit"/> seconds per pass (null for the default rule, 0 for
    /// none), <paramref name="abortRun"/> ends the process with a message and an exit code (it must not return), and
    /// <paramref name="report"/> hears the one-time notice of a long pass.
    /// </summary>
    public static void Start(double? limit, Action<string, int> abortRun, Action<string>? report = null)
    {
        lock (gate)
        {
            limitSeconds = limit;
            abort = abortRun;
            notice = report;
            signal = null;
            if (monitor is not null) return;
            monitor = new Thread(Watch) { IsBackground = true, Name = "freqprobe forward watchdog" };
            monitor.Start();
        }
    }

    /// <summary>Disarms the watchdog (the run is over); a later <see cref="Start"/> arms it again.</summary>
    public static void Stop()
    {
        lock (gate)
        {
            abort = null;
            notice = null;
            signal = null;
        }
    }

    /// <summary>Tells the watchdog that a signal asked the run to stop (exit code 128 + signal).</summary>
    public static void Signalled(int exitCode)
    {
        lock (gate) signal ??= (Stopwatch.GetTimestamp(), exitCode);
    }

    /// <summary>Marks a forward pass in flight until the returned scope is disposed.</summary>
    public static Scope Enter()
    {
        if (Interlocked.Increment(ref depth) == 1)
        {
            Volatile.Write(ref noticed, false);
            Volatile.Write(ref entered, Stopwatch.GetTimestamp());
        }
        return new Scope();
    }

    /// <summary>
    /// Marks <paramref name="child"/>, a process running checks of this run's model (the verification worker), in flight
    /// until the returned scope is disposed: each check (<see cref="ChildScope.NextCheck"/>) gets the limit of a first
    /// pass, and a signal ends the run at once, the child killed first (its checks are not saved, so nothing is lost).
    /// </summary>
    public static ChildScope EnterChild(Process child)
    {
        lock (gate)
        {
            worker = child;
            workerEntered = Stopwatch.GetTimestamp();
        }
        return new ChildScope(child);
    }

    /// <summary>A child process in flight (<see cref="EnterChild"/>).</summary>
    public sealed class ChildScope(Process child) : IDisposable
    {
        /// <summary>The child started its next check: its time counts from now.</summary>
        public void NextCheck()
        {
            lock (gate)
            {
                if (worker == child) workerEntered = Stopwatch.GetTimestamp();
            }
        }

        /// <summary>The child is done; blocks for good if the watchdog is ending the run, so that nothing is recorded from a killed child.</summary>
        public void Dispose()
        {
            lock (gate)
            {
                if (worker == child) worker = null;
            }
        }
    }

    /// <summary>The end of a forward pass (dispose).</summary>
    public readonly struct Scope : IDisposable
    {
        /// <inheritdoc />
        public void Dispose()
        {
            if (Interlocked.Decrement(ref depth) != 0) return;
            // Taken so that a pass returning while the watchdog ends the run cannot go on to change results.
            lock (gate)
            {
                long ticks = Stopwatch.GetTimestamp() - Volatile.Read(ref entered);
                if (ticks > slowest) slowest = ticks;
                finished++;
                Volatile.Write(ref entered, 0);
            }
        }
    }

    static double Seconds(long ticks) => (double)ticks / Stopwatch.Frequency;

    static void Watch()
    {
        while (true)
        {
            Thread.Sleep(250);
            lock (gate)
            {
                if (abort is null) continue;
                if (worker is not null) WatchChild(worker);
                long start = Volatile.Read(ref entered);
                if (start == 0) continue;
                long now = Stopwatch.GetTimestamp();
                double running = Seconds(now - start), slowestSeconds = Seconds(slowest);
                if (signal is { } s)
                {
                    double grace = Math.Max(GraceSeconds, 2 * slowestSeconds), since = Seconds(now - s.At);
                    if (since >= grace)
                    {
                        abort(Invariant($"the model is still inside a forward pass {since:0} s after the signal ({running:0} s into the pass), and a pass ") +
                            "cannot be interrupted; the run ends without waiting for it", s.Code);
                    }
                    continue;
                }
                double limit = limitSeconds ?? (finished == 0 ? FirstPassSeconds : Math.Max(FirstPassSeconds, SlowestFactor * slowestSeconds));
                if (limit > 0 && running >= limit)
                {
                    string rule = limitSeconds is not null ? "--forward-timeout"
                        : finished == 0 ? Invariant($"the default for a run's first pass, {FirstPassSeconds:0} s")
                        : Invariant($"the default, {SlowestFactor:0} times the slowest pass so far ({slowestSeconds:0.0} s) and at least {FirstPassSeconds:0} s");
                    abort(Invariant($"the model's forward pass has not returned after {running:0} s, over the limit of {limit:0} s ({rule}); ") +
                        "expected a model that returns (a scripted loop that never ends, or a model far too slow for this device?). " +
                        "--forward-timeout SECONDS sets the limit (0: none)", ExitCodeForModel);
                }
                if (!noticed && running >= Math.Max(NoticeSeconds, 5 * slowestSeconds))
                {
                    noticed = true;
                    notice?.Invoke(Invariant($"the model has been inside one forward pass for {running:0} s ({finished} {(finished == 1 ? "pass" : "passes")} done, the slowest {slowestSeconds:0.0} s)"));
                }
            }
        }
    }

    // Called under the gate, with a child in flight and the watchdog armed.
    static void WatchChild(Process child)
    {
        double running = Seconds(Stopwatch.GetTimestamp() - workerEntered);
        double limit = limitSeconds ?? FirstPassSeconds;
        if (signal is { } s)
        {
            Kill(child);
            abort!("the checks of the model in the child process were stopped, and none was saved", s.Code);
        }
        else if (limit > 0 && running >= limit)
        {
            Kill(child);
            abort!(Invariant($"a check of the model in the child process (freqprobe verify-worker, process {child.Id}) has not returned after {running:0} s, ") +
                Invariant($"over the limit of {limit:0} s ({(limitSeconds is null ? $"the default for a run's first pass, {FirstPassSeconds:0} s" : "--forward-timeout")}); ") +
                "expected a model whose forward pass returns (a scripted loop that never ends, or a model far too slow for this device?). " +
                "--forward-timeout SECONDS sets the limit (0: none)", ExitCodeForModel);
        }
    }

    // Killed and waited for (up to 10 s), so that the child is gone, not still tearing down, when the run reports and exits.
    static void Kill(Process child)
    {
        try
        {
            child.Kill(entireProcessTree: true);
            child.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // already gone
        }
    }

    /// <summary>The exit code of a pass over its limit: the model (an input) is at fault.</summary>
    public const int ExitCodeForModel = 2;

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
