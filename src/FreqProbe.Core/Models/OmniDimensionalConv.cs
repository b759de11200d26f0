using FreqProbe.Core.Native;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FreqProbe.Core.Models;

/// <summary>
/// ODConv (Li et al., ICLR 2022), omni-dimensional dynamic convolution: a bank of K kernels <c>weight</c>
/// [K, out, in, k, k] mixed per sample by four attentions computed from the globally pooled input
/// (<see cref="OmniAttention"/>): a softmax over the K kernels, and sigmoids over the k×k spatial positions, the input
/// channels and the output filters. For sample b the layer computes
/// <c>filter_b ⊙ conv(channel_b ⊙ x_b, spatial_b ⊙ Σ_k kernel_bk · W_k)</c>. Key names follow the official code
/// (<c>weight</c>, <c>attention.fc</c>, <c>attention.bn</c>, <c>attention.channel_fc</c>, <c>attention.filter_fc</c>,
/// <c>attention.spatial_fc</c>, <c>attention.kernel_fc</c>), so <c>freqprobe kernels</c> reads its banks. No bias;
/// groups 1.
/// </summary>
public sealed class OmniDimensionalConv2d : Module<Tensor, Tensor>, IDynamicConvolution
{
    readonly long stride;
    readonly long padding;
    readonly long kernelSize;
    readonly Parameter weight;
    readonly OmniAttention attention;

    /// <summary>
    /// The noise added to each copy when a bank starts from copies, as a fraction of the Kaiming standard deviation:
    /// the copies then start at a weight cosine of about 1 / (1 + 0.1²) = 0.99 with each other.
    /// </summary>
    public const double CopyNoise = 0.1;

    /// <summary>
    /// A bank of <paramref name="kernels"/> kernels from <paramref name="input"/> to <paramref name="output"/> channels.
    /// With <paramref name="fromCopies"/> the kernels start as copies of one Kaiming-drawn kernel plus independent
    /// Gaussian noise of <see cref="CopyNoise"/> times its standard deviation, as when a bank is initialised from one
    /// (pretrained) static kernel; otherwise each is drawn independently.
    /// </summary>
    public OmniDimensionalConv2d(long input, long output, long kernelSize, long stride, long padding, int kernels, bool fromCopies = false)
        : base(nameof(OmniDimensionalConv2d))
    {
        if (kernels < 1) throw new ArgumentOutOfRangeException(nameof(kernels), kernels, "at least one kernel");
        this.stride = stride;
        this.padding = padding;
        this.kernelSize = kernelSize;
        // As the official code: each kernel of the bank drawn independently, Kaiming normal with fan_out (ReLU gain).
        weight = Parameter(empty(new long[] { kernels, output, input, kernelSize, kernelSize }));
        using (no_grad())
        {
            for (int k = 0; k < kernels; k++) init.kaiming_normal_(weight[k], mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.ReLU);
            if (fromCopies)
            {
                // Kaiming normal with fan_out and the ReLU gain: std = √(2 / (out · k · k)).
                double std = Math.Sqrt(2.0 / (output * kernelSize * kernelSize));
                Tensor first = weight[0].clone();
                using Scalar noise = (CopyNoise * std).ToScalar();
                for (int k = 0; k < kernels; k++) weight[k].copy_(first.add(randn_like(first).mul(noise), PinnedScalars.One));
            }
        }
        attention = new OmniAttention(input, output, kernelSize, kernels);
        RegisterComponents();
    }

    /// <inheritdoc />
    public ConvolutionKernel Kernel { get; set; } = ConvolutionKernel.ChannelsFirst;

    /// <inheritdoc />
    public bool ChannelsLastNetwork { get; set; }

    /// <inheritdoc />
    public string LayerName { get; set; } = "";

    /// <summary>The bank, [K, out, in, k, k].</summary>
    public Tensor Weight => weight;

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0], input = x.shape[1];
        long kernels = weight.shape[0], output = weight.shape[1];
        (Tensor channel, Tensor filter, Tensor spatial, Tensor kernel) = attention.Weights(x);
        // Σ_k kernel_bk · W_k as one matrix product, then the spatial attention (the same for every kernel).
        Tensor mixed = kernel.mm(weight.view(kernels, -1)).view(batch, output, input, kernelSize, kernelSize);
        mixed = mixed.mul(spatial.view(batch, 1, 1, kernelSize, kernelSize));
        return DynamicConvolution.PerSample(this, x, channel, mixed, filter, stride, padding).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// ODConv's attention head: global average pooling, a 1×1 reduction to <c>max(in/16, 16)</c> channels with
/// BatchNorm and ReLU, then four 1×1 heads. The temperature is 1 (the official default). Unlike the official code, the
/// heads' weights start at zero (see the constructor).
/// </summary>
internal sealed class OmniAttention : Module<Tensor, Tensor>
{
    readonly PlannedConv2d fc;
    readonly TrainingSafeBatchNorm2d bn;
    readonly PlannedConv2d channel_fc;
    readonly PlannedConv2d filter_fc;
    readonly PlannedConv2d spatial_fc;
    readonly PlannedConv2d kernel_fc;

    public OmniAttention(long input, long output, long kernelSize, int kernels) : base(nameof(OmniAttention))
    {
        long hidden = Math.Max(input / 16, 16);
        fc = new PlannedConv2d(input, hidden, 1, bias: false);
        bn = new TrainingSafeBatchNorm2d(hidden);
        channel_fc = new PlannedConv2d(hidden, input, 1);
        filter_fc = new PlannedConv2d(hidden, output, 1);
        spatial_fc = new PlannedConv2d(hidden, kernelSize * kernelSize, 1);
        kernel_fc = new PlannedConv2d(hidden, kernels, 1);
        using (no_grad())
        {
            init.kaiming_normal_(fc.Weight, mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.ReLU);
            // The four heads start at zero: every attention starts uniform (sigmoids 1/2, kernel softmax 1/K), so the
            // layer starts as the static convolution of the bank's mean. With the official Kaiming init of the heads, the
            // gradient reaching the stem of cifar-odresnet20 was 2.4e4 in norm against 0.86 for cifar-resnet20 on the same
            // 64 CIFAR-10 images (the kernel-attention path compounds over 18 layers) and the loss did not fall; DyConv
            // meets the same problem with a softmax temperature annealed from 30. The heads get gradients from the first step.
            foreach (PlannedConv2d head in new[] { channel_fc, filter_fc, spatial_fc, kernel_fc })
            {
                head.Weight.zero_();
                head.Bias!.zero_();
            }
        }
        RegisterComponents();
    }

    /// <summary>Per sample: channel [B, in] and filter [B, out] sigmoids, spatial [B, k·k] sigmoid, kernel [B, K] softmax.</summary>
    public (Tensor Channel, Tensor Filter, Tensor Spatial, Tensor Kernel) Weights(Tensor x)
    {
        Tensor pooled = functional.adaptive_avg_pool2d(x, new long[] { 1, 1 });
        Tensor hidden = bn.forward(fc.forward(pooled)).relu_();
        return (channel_fc.forward(hidden).flatten(1).sigmoid(),
                filter_fc.forward(hidden).flatten(1).sigmoid(),
                spatial_fc.forward(hidden).flatten(1).sigmoid(),
                kernel_fc.forward(hidden).flatten(1).softmax(1));
    }

    /// <summary>The kernel attention alone, [B, K].</summary>
    public override Tensor forward(Tensor x) => Weights(x).Kernel;
}
