using static TorchSharp.torch;

namespace FreqProbe.Core.Models;

/// <summary>
/// Channels-last (NHWC) memory layout for convolution inputs and weights. TorchSharp 0.107 has no memory-format
/// argument, but libtorch chooses its kernels from the strides, so a permute to NHWC, a copy and a permute back gives a
/// tensor that is logically NCHW and laid out NHWC, which oneDNN (CPU) and cuDNN convolve faster.
/// </summary>
public static class MemoryLayout
{
    /// <summary><paramref name="t"/> laid out channels-last when it is 4-D; otherwise <paramref name="t"/> itself.</summary>
    public static Tensor ChannelsLast(Tensor t) => t.dim() == 4 ? t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2) : t;

    /// <summary>Re-lays every 4-D parameter of <paramref name="model"/> (the convolution weights) channels-last, in place.</summary>
    public static void ToChannelsLast(nn.Module model)
    {
        using var guard = no_grad();
        foreach (var parameter in model.parameters())
        {
            if (parameter.dim() != 4) continue;
            using Tensor relaid = ChannelsLast(parameter);
            parameter.set_(relaid);
        }
    }
}
