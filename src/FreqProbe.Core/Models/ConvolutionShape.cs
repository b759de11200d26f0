using System.Globalization;

namespace FreqProbe.Core.Models;

/// <summary>
/// One convolution as a backend meets it: input [<paramref name="Batch"/>, <paramref name="InChannels"/>,
/// <paramref name="Height"/>, <paramref name="Width"/>], weight [<paramref name="OutChannels"/>, InChannels / Groups,
/// <paramref name="KernelHeight"/>, <paramref name="KernelWidth"/>], square stride and padding, no dilation. Backends
/// choose their algorithm (and its blocking) from every one of these numbers, batch and spatial size included, so a
/// verdict holds for exactly this shape.
/// </summary>
public sealed record ConvolutionShape(long Batch, long InChannels, long OutChannels, long KernelHeight, long KernelWidth,
    long Stride, long Padding, long Groups, bool Bias, long Height, long Width)
{
    /// <summary>
    /// True for a convolution whose groups are the samples of the batch (ODConv's per-sample kernels as one grouped
    /// convolution): recorded at batch 1, <see cref="At"/> scales channels and groups by the batch.
    /// </summary>
    public bool GroupsPerSample { get; init; }

    /// <summary>This shape for a forward pass of <paramref name="batch"/> images.</summary>
    public ConvolutionShape At(long batch) => GroupsPerSample
        ? this with { Batch = 1, InChannels = InChannels * batch, OutChannels = OutChannels * batch, Groups = Groups * batch, GroupsPerSample = false }
        : this with { Batch = batch };

    /// <summary>Output side lengths.</summary>
    public (long Height, long Width) Output => ((Height + 2 * Padding - KernelHeight) / Stride + 1, (Width + 2 * Padding - KernelWidth) / Stride + 1);

    /// <summary>Whether <see cref="ConvolutionKernel.MatrixProduct"/> can compute it.</summary>
    public bool IsPointwise => KernelHeight == 1 && KernelWidth == 1 && Padding == 0 && Groups == 1;

    /// <summary>A stable text key, e.g. <c>n64 c256 o1024 k1x1 s1 p0 g1 bias h56 w56</c>.</summary>
    public string Key => string.Create(CultureInfo.InvariantCulture,
        $"n{Batch} c{InChannels} o{OutChannels} k{KernelHeight}x{KernelWidth} s{Stride} p{Padding} g{Groups} {(Bias ? "bias" : "nobias")} h{Height} w{Width}");

    /// <summary>For people: <c>conv 256→1024 1×1 stride 1 on 64×256×56×56</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"conv {InChannels}→{OutChannels} {KernelHeight}×{KernelWidth} stride {Stride} padding {Padding}{(Groups > 1 ? $" groups {Groups}" : "")} " +
        $"on {Batch}×{InChannels}×{Height}×{Width}");
}
