using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FreqProbe.Core.Models;

/// <summary>
/// A 2-D convolution (square kernel, stride and padding, no dilation) with PyTorch's parameter names and
/// initialisation (<c>weight</c> [out, in / groups, k, k], optional <c>bias</c>; Kaiming-uniform with a = √5), whose
/// backend kernel is chosen per layer by the execution plan (<see cref="Kernel"/>). The native models use it for every
/// convolution they own, so FreqProbe can verify, and where needed replace, each one.
/// </summary>
public sealed class PlannedConv2d : Module<Tensor, Tensor>
{
    readonly long stride;
    readonly long padding;
    readonly long groups;
    readonly Parameter weight;
    Parameter? bias;

    /// <summary>A convolution from <paramref name="input"/> to <paramref name="output"/> channels.</summary>
    public PlannedConv2d(long input, long output, long kernelSize, long stride = 1, long padding = 0, bool bias = true, long groups = 1)
        : base("Conv2d")
    {
        this.stride = stride;
        this.padding = padding;
        this.groups = groups;
        weight = Parameter(empty(new long[] { output, input / groups, kernelSize, kernelSize }));
        using (no_grad())
        {
            // torch.nn.Conv2d.reset_parameters
            init.kaiming_uniform_(weight, Math.Sqrt(5));
            if (bias)
            {
                double bound = 1 / Math.Sqrt(input / groups * kernelSize * kernelSize);
                this.bias = Parameter(empty(output));
                init.uniform_(this.bias, -bound, bound);
            }
        }
        RegisterComponents();
    }

    /// <summary>The stride (both axes).</summary>
    public long Stride => stride;

    /// <summary>The zero padding (every side).</summary>
    public long Padding => padding;

    /// <summary>The channel groups.</summary>
    public long Groups => groups;

    /// <summary>The weight, [out, in / groups, k, k].</summary>
    public Parameter Weight => weight;

    /// <summary>The bias, or null; setting it registers the parameter (BatchNorm folding gives a bias-free layer one).</summary>
    public Parameter? Bias
    {
        get => bias;
        set
        {
            bias = value;
            register_parameter("bias", value!);
        }
    }

    /// <summary>The backend kernel that computes this layer; channels-first until a plan says otherwise.</summary>
    public ConvolutionKernel Kernel { get; set; } = ConvolutionKernel.ChannelsFirst;

    /// <summary>Whether the network around this layer runs channels-last (its output is laid out so).</summary>
    public bool ChannelsLastNetwork { get; set; }

    /// <summary>The layer's module path, set by the plan for records and messages.</summary>
    public string LayerName { get; set; } = "";

    /// <summary>The layer's shape for an input of <paramref name="x"/>'s size.</summary>
    public ConvolutionShape ShapeFor(Tensor x) =>
        new(x.shape[0], x.shape[1], weight.shape[0], weight.shape[2], weight.shape[3], stride, padding, groups, bias is not null, x.shape[2], x.shape[3]);

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        if (ConvolutionRecorder.Active is { } recorder)
        {
            ConvolutionShape shape = ShapeFor(x);
            recorder.Add(LayerName, shape);
            (long h, long w) = shape.Output;
            return zeros(new[] { x.shape[0], weight.shape[0], h, w }, dtype: x.dtype, device: x.device);
        }
        return ConvolutionKernels.Run(Kernel, x, weight, bias, stride, padding, groups, ChannelsLastNetwork);
    }
}
