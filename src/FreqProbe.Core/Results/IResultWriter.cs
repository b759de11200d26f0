using FreqProbe.Core.Evaluation;

namespace FreqProbe.Core.Results;

/// <summary>Formats a <see cref="SweepSummary"/> into a stream. Writers never touch evaluation code.</summary>
public interface IResultWriter
{
    /// <summary>Writes <paramref name="summary"/> to <paramref name="output"/>.</summary>
    void Write(SweepSummary summary, Stream output);
}
