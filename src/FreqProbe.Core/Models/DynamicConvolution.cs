using static TorchSharp.torch;

namespace FreqProbe.Core.Models;

/// <summary>
/// A dynamic convolution (ODConv, FDConv): each sample gets its own kernels, and the layer runs them as one grouped
/// convolution with a group per sample. The execution plan names it and chooses its backend kernel like a
/// <see cref="PlannedConv2d"/>; BatchNorm folding leaves the BatchNorm after it unfolded (there is no fixed kernel to fold into).
/// </summary>
public interface IDynamicConvolution
{
    /// <summary>The backend kernel of the per-sample grouped convolution, chosen by the execution plan.</summary>
    ConvolutionKernel Kernel { get; set; }

    /// <summary>Whether the network around this layer runs channels-last.</summary>
    bool ChannelsLastNetwork { get; set; }

    /// <summary>The layer's module path, set by the plan for records and messages.</summary>
    string LayerName { get; set; }
}

/// <summary>The forward pass that ODConv and FDConv share once each sample's kernels are known.</summary>
internal static class DynamicConvolution
{
    /// <summary>
    /// <c>filter_b ⊙ conv(channel_b ⊙ x_b, kernels_b)</c> for every sample b: <paramref name="x"/> [B, in, H, W],
    /// <paramref name="channel"/> [B, in], <paramref name="kernels"/> [B, out, in, k, k], <paramref name="filter"/> [B, out].
    /// Under a <see cref="ConvolutionRecorder"/> the shape is recorded and zeros come back.
    /// </summary>
    public static Tensor PerSample(IDynamicConvolution layer, Tensor x, Tensor channel, Tensor kernels, Tensor filter, long stride, long padding)
    {
        long batch = x.shape[0], input = x.shape[1], output = kernels.shape[1], kernelSize = kernels.shape[3];
        // One grouped convolution with a group per sample: [1, B·in, H, W] against [B·out, in, k, k].
        Tensor scaled = x.mul(channel.view(batch, input, 1, 1)).reshape(1, batch * input, x.shape[2], x.shape[3]);
        Tensor kernels2d = kernels.reshape(batch * output, input, kernelSize, kernelSize);
        Tensor y;
        if (ConvolutionRecorder.Active is { } recorder)
        {
            var shape = new ConvolutionShape(1, input, output, kernelSize, kernelSize, stride, padding, 1, false, x.shape[2], x.shape[3]) { GroupsPerSample = true };
            recorder.Add(layer.LayerName, shape);
            (long h, long w) = shape.Output;
            y = zeros(new[] { 1, batch * output, h, w }, dtype: x.dtype, device: x.device);
        }
        else
        {
            y = ConvolutionKernels.Run(layer.Kernel, scaled, kernels2d, null, stride, padding, batch, layer.ChannelsLastNetwork);
        }
        return y.view(batch, output, y.shape[2], y.shape[3]).mul_(filter.view(batch, output, 1, 1));
    }
}
