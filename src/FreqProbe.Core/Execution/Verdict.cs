namespace FreqProbe.Core.Execution;

/// <summary>
/// The outcome of one check: whether the path computed the check's known answer within <paramref name="Tolerance"/>,
/// the largest error seen (NaN when it crashed or threw) and what happened, e.g. "crashed: killed by SIGFPE".
/// </summary>
public sealed record Verdict(bool Ok, double MaxError, double Tolerance, string Detail);
