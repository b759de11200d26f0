namespace FreqProbe.Core.Models;

/// <summary>How one convolution layer is computed. Which kernel a layer gets is decided by <see cref="Execution.ExecutionPlan"/> from verdicts.</summary>
public enum ConvolutionKernel
{
    /// <summary>libtorch's convolution on channels-first (NCHW) input and weights.</summary>
    ChannelsFirst,

    /// <summary>libtorch's convolution on channels-last (NHWC) input and weights (oneDNN on the CPU, cuDNN on CUDA).</summary>
    ChannelsLast,

    /// <summary>
    /// FreqProbe's own channels-last 1×1 convolution: the [N·H·W, C] pixel matrix times the [C, O] weight matrix plus the
    /// bias (one <c>addmm</c>), strided by slicing first. Only for 1×1 kernels without padding, groups or dilation.
    /// </summary>
    MatrixProduct,
}
