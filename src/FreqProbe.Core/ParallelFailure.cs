using System.Runtime.ExceptionServices;

namespace FreqProbe.Core;

/// <summary>
/// The one unwrapping of failures from parallel stages. <c>Parallel.For</c> and tasks wrap what a worker threw in an
/// <see cref="AggregateException"/>, which would turn an input error (exit 2, its own message) into an internal error:
/// the unwrapped failure is the one that explains the run, input errors first, then bad images, a full disk,
/// cancellation, and otherwise the first failure.
/// </summary>
public static class ParallelFailure
{
    /// <summary>Runs <paramref name="stage"/> and rethrows a failure of its workers unwrapped, with its own stack trace.</summary>
    public static void Run(Action stage)
    {
        try
        {
            stage();
        }
        catch (AggregateException e)
        {
            ExceptionDispatchInfo.Throw(Unwrap(e));
        }
    }

    /// <summary>The failure inside <paramref name="failure"/> that explains it (itself when it is not an aggregate).</summary>
    public static Exception Unwrap(Exception failure)
    {
        if (failure is not AggregateException aggregate) return failure;
        IReadOnlyList<Exception> inner = aggregate.Flatten().InnerExceptions;
        if (inner.Count == 0) return failure;
        return inner.FirstOrDefault(e => e is InputException)
            ?? inner.FirstOrDefault(e => e is Datasets.BadImageException)
            ?? inner.FirstOrDefault(e => e is IOException)
            ?? inner.FirstOrDefault(e => e is OperationCanceledException)
            ?? inner[0];
    }

    /// <summary>Whether <paramref name="e"/> says the disk (or the quota) is full.</summary>
    public static bool IsDiskFull(Exception e) =>
        e is IOException && (e.HResult is 28 or 112 or unchecked((int)0x80070070) or unchecked((int)0x80070027)
            || e.Message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase)
            || e.Message.Contains("Disk quota exceeded", StringComparison.OrdinalIgnoreCase));
}
