namespace FreqProbe.Core.Execution;

/// <summary>
/// The outcome of one check: whether the path computed the check's known answer within <paramref name="Tolerance"/>,
/// the largest error seen (NaN when it crashed or threw) and what happened, e.g. "crashed: killed by SIGFPE".
/// </summary>
public sealed record Verdict(bool Ok, double MaxError, double Tolerance, string Detail)
{
    /// <summary>True when the check died (the detail then begins "crashed:").</summary>
    public bool Crashed => Detail.StartsWith("crashed", StringComparison.Ordinal);

    /// <summary>
    /// True for a "crash" that was a stop: the child killed by SIGHUP, SIGINT or SIGTERM (a Ctrl-C reaches it too).
    /// Versions before 2026-12 recorded these as crashes; they are no verdict and are checked again.
    /// </summary>
    public bool WasStopped => Detail.StartsWith("crashed: killed by signal ", StringComparison.Ordinal)
        && Detail["crashed: killed by signal ".Length..].Split(' ')[0] is "1" or "2" or "15";

    /// <summary>True when the check threw instead of answering, e.g. the input refused (the detail begins "error:").</summary>
    public bool Threw => Detail.StartsWith("error", StringComparison.Ordinal);

    /// <summary>ok, WRONG, CRASHED or ERROR.</summary>
    public string Outcome => Ok ? "ok" : Crashed ? "CRASHED" : Threw ? "ERROR" : "WRONG";

    /// <summary>What a failed check did, for messages: the crash or error, or the error against the tolerance.</summary>
    public string Explain() => Crashed || Threw
        ? Detail
        : System.FormattableString.Invariant($"computes wrong numbers (max |error| {MaxError:G3} > {Tolerance:G3})");
}
