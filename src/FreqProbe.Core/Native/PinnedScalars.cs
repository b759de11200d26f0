using TorchSharp;

namespace FreqProbe.Core.Native;

/// <summary>
/// Constants for hot tensor paths, as Scalars that live for the whole process. TorchSharp 0.107 turns a bare number
/// (and the implicit alpha of <c>a + b</c>) into a temporary Scalar whose managed wrapper is unreachable once its
/// native handle has been read; if a garbage collection finalizes it before libtorch reads it, the op fails with
/// "Unknown scalar type" or a failed toFloat check. Passing these instead removes the temporary; a value known only at
/// run time goes in a <c>using Scalar</c> local, which lives until its Dispose. TemporaryScalarTests finds the rest.
/// </summary>
internal static class PinnedScalars
{
    /// <summary>1.0, for <c>add(other, One)</c> and upper clamps.</summary>
    public static Scalar One { get; } = 1.0.ToScalar();

    /// <summary>2.0.</summary>
    public static Scalar Two { get; } = 2.0.ToScalar();

    /// <summary>0.0, for lower clamps.</summary>
    public static Scalar Zero { get; } = 0.0.ToScalar();

    /// <summary>-∞, to mask a logit out.</summary>
    public static Scalar NegativeInfinity { get; } = double.NegativeInfinity.ToScalar();

    /// <summary>The smallest positive double, to keep a denominator from being zero.</summary>
    public static Scalar Tiny { get; } = double.Epsilon.ToScalar();
}
