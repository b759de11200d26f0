namespace FreqProbe.Core.Models;

/// <summary>
/// Collects the convolutions a model runs, without running them: while a recorder is active on a thread, planned
/// convolution layers report their shape and return zeros of the right size instead of calling any backend kernel,
/// so a shape pass can never meet a faulty kernel.
/// </summary>
public sealed class ConvolutionRecorder : IDisposable
{
    [ThreadStatic] static ConvolutionRecorder? active;

    readonly List<(string Layer, ConvolutionShape Shape)> seen = new();

    ConvolutionRecorder() { }

    /// <summary>The recorder active on this thread, or null.</summary>
    public static ConvolutionRecorder? Active => active;

    /// <summary>Starts recording on this thread until the recorder is disposed.</summary>
    public static ConvolutionRecorder Start()
    {
        if (active is not null) throw new InvalidOperationException("a convolution recorder is already active on this thread");
        return active = new ConvolutionRecorder();
    }

    /// <summary>The layers (module paths) and shapes seen, in the order they ran.</summary>
    public IReadOnlyList<(string Layer, ConvolutionShape Shape)> Seen => seen;

    /// <summary>Called by a layer.</summary>
    public void Add(string layer, ConvolutionShape shape) => seen.Add((layer, shape));

    /// <inheritdoc />
    public void Dispose()
    {
        if (ReferenceEquals(active, this)) active = null;
    }
}
