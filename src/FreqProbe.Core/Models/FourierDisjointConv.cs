using FreqProbe.Core.Native;
using FreqProbe.Core.Spectral;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FreqProbe.Core.Models;

/// <summary>
/// FDConv (Chen et al., CVPR 2025), frequency dynamic convolution, as its official code builds it (parameter names
/// included, so <c>freqprobe kernels</c> reads the bank):
/// <list type="bullet">
/// <item><b>Fourier-disjoint weights</b>: one learnable half spectrum <c>dft_weight</c> [1, out·k, in·k/2+1, 2] of the
/// kernel read as an (out·k) × (in·k) matrix; its coefficients, sorted by frequency, split into K disjoint groups, and
/// group g's kernel W_g is the inverse real FFT of its coefficients alone, times α = ⌊min(in, out)/2⌋ · K. Sample b's
/// kernel is Σ_g a_bg W_g, a_bg = 2·sigmoid(kernel_fc)/K.</item>
/// <item><b>Kernel spatial modulation</b>: <c>KSM_Global</c> (ODConv-like channel, filter and spatial attentions,
/// 2·sigmoid, from the pooled input through fc, BatchNorm and StarReLU) and <c>KSM_Local</c> (a 1-D convolution across
/// the layer-normed pooled channels giving 2·sigmoid of one logit per kernel element).</item>
/// <item><b>Frequency band modulation</b>: <c>FBM</c> splits the input into bands at max(|f_y|, |f_x|) = 1/4, 1/8, 1/16
/// cycles per pixel (k_list 2, 4, 8) and weights each of the three upper bands per pixel by 2·sigmoid of a 3×3
/// convolution of the input; the lowest band passes unweighted.</item>
/// </list>
/// Deviations from the official code, for CIFAR-10 at 32×32: the band masks are computed at each feature map's own size
/// (the official code computes them at 64×64 and resizes them by nearest neighbour, which at 16 and 17 columns moves
/// the cut-offs); and the layer is used for every block 3×3 convolution, where the official code keeps layers with at
/// most 16 channels ordinary, which would leave a third of ResNet-20's layers static. Initialisation as the official
/// code: the kernel starts as torch.nn.Conv2d's default draw converted to <c>dft_weight</c>, and the heads start near zero
/// (std 1e-6), <c>filter_fc</c> included, which the official code means to shrink but misses (see the constructor of
/// its global modulation). No bias; groups 1.
/// </summary>
public sealed class FourierDisjointConv2d : Module<Tensor, Tensor>, IDynamicConvolution
{
    /// <summary>The band cut-offs of the frequency band modulation, as FDConv's k_list: bands at 1/(2k) cycles per pixel.</summary>
    public static readonly int[] BandDivisors = { 2, 4, 8 };

    readonly long stride;
    readonly long padding;
    readonly long kernelSize;
    readonly long input;
    readonly long output;
    readonly int groups;
    readonly Scalar alpha; // hot-path constants as Scalars that live with the layer (see PinnedScalars)
    readonly HostConstants constants = new(); // the group masks [K, rows, columns] per element type and device
    readonly Parameter dft_weight;
    readonly FdGlobalModulation KSM_Global;
    readonly FdLocalModulation KSM_Local;
    readonly FrequencyBandModulation FBM;

    /// <summary>A layer of <paramref name="groups"/> Fourier-disjoint kernel groups from <paramref name="input"/> to <paramref name="output"/> channels.</summary>
    public FourierDisjointConv2d(long input, long output, long kernelSize, long stride, long padding, int groups)
        : base(nameof(FourierDisjointConv2d))
    {
        int rows = checked((int)(output * kernelSize)), width = checked((int)(input * kernelSize)), columns = width / 2 + 1;
        if (groups < 2) throw new ArgumentOutOfRangeException(nameof(groups), groups, "at least two groups");
        if (width % 2 != 0) throw new ArgumentException($"in·k = {width} must be even for the half spectrum to give the kernel back", nameof(input));
        if (rows * columns % groups != 0) throw new ArgumentException($"{rows * columns} coefficients do not split into {groups} equal groups", nameof(groups));
        this.stride = stride;
        this.padding = padding;
        this.kernelSize = kernelSize;
        this.input = input;
        this.output = output;
        this.groups = groups;
        long half = Math.Min(input, output) / 2;
        alpha = ((double)half * groups).ToScalar();
        using (no_grad())
        {
            // The official code converts the kernel of the torch.nn.Conv2d it replaces: drawn as PyTorch draws it, read as
            // (out·k) × (in·k), rfft2, divided by ⌊min(in, out)/2⌋ (α brings it back).
            using var kernel = new PlannedConv2d(input, output, kernelSize, bias: false);
            Tensor matrix = kernel.Weight.permute(0, 2, 1, 3).reshape(rows, width);
            Tensor spectrum = fft.rfft2(matrix);
            using Scalar divisor = half.ToScalar();
            dft_weight = Parameter(stack(new[] { spectrum.real, spectrum.imag }, -1).div(divisor).unsqueeze(0).contiguous());
        }
        KSM_Global = new FdGlobalModulation(input, output, kernelSize, groups);
        KSM_Local = new FdLocalModulation(input, output * kernelSize * kernelSize);
        FBM = new FrequencyBandModulation(input, BandDivisors);
        RegisterComponents();
    }

    /// <inheritdoc />
    public ConvolutionKernel Kernel { get; set; } = ConvolutionKernel.ChannelsFirst;

    /// <inheritdoc />
    public bool ChannelsLastNetwork { get; set; }

    /// <inheritdoc />
    public string LayerName { get; set; } = "";

    /// <summary>The learnable half spectrum, [1, out·k, in·k/2+1, 2].</summary>
    public Tensor DftWeight => dft_weight;

    /// <summary>The K groups' kernels W_g, [K, out, in, k, k] (α included): with uniform attentions (each 1/K) the layer's kernel is their mean.</summary>
    public Tensor GroupKernels()
    {
        using var scope = NewDisposeScope();
        int rows = (int)(output * kernelSize), width = (int)(input * kernelSize), columns = width / 2 + 1;
        Tensor masks = constants.Get("groups", dft_weight.dtype, dft_weight.device, () => GroupMasks(rows, width, groups), new long[] { groups, rows, columns });
        Tensor spectrum = view_as_complex(dft_weight[0]);
        Tensor spatial = fft.irfft2(spectrum.unsqueeze(0).mul(masks), s: new long[] { rows, width }).mul(alpha);  // [K, out·k, in·k]
        return spatial.view(groups, output, kernelSize, input, kernelSize).permute(0, 1, 3, 2, 4).contiguous().MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0];
        Tensor pooled = functional.adaptive_avg_pool2d(x, new long[] { 1, 1 });
        (Tensor channel, Tensor filter, Tensor spatial, Tensor kernel) = KSM_Global.Weights(pooled);
        Tensor local = KSM_Local.Weights(pooled, output, kernelSize);                                   // [B, out, in, k, k]
        // Σ_g a_bg · W_g as one matrix product (the inverse FFT is linear, so this is the inverse FFT of the
        // attention-weighted spectrum the official code builds), then the spatial and local modulations.
        Tensor mixed = kernel.mm(GroupKernels().view(groups, -1)).view(batch, output, input, kernelSize, kernelSize);
        mixed = mixed.mul(spatial.view(batch, 1, 1, kernelSize, kernelSize)).mul(local);
        Tensor banded = FBM.forward(x);
        return DynamicConvolution.PerSample(this, banded, channel, mixed, filter, stride, padding).MoveToOuterDisposeScope();
    }

    // Group g holds the g-th of K equal runs of the half-spectrum cells in FDConv's frequency order (the order
    // `freqprobe kernels` rebuilds the groups in, so the two agree by construction).
    static float[] GroupMasks(int rows, int width, int groups)
    {
        int columns = width / 2 + 1, cells = rows * columns, perGroup = cells / groups;
        int[] order = KernelBankLayouts.FrequencyOrder(rows, width);
        var masks = new float[groups * cells];
        for (int i = 0; i < cells; i++) masks[i / perGroup * cells + order[i]] = 1;
        return masks;
    }
}

/// <summary>
/// FDConv's <c>KernelSpatialModulation_Global</c>: global average pooling (done by the caller), a 1×1 reduction to
/// <c>max(in/16, 16)</c> channels with BatchNorm and StarReLU (s·relu(x)² + b, s and b learnt), then four 1×1 heads:
/// channel [B, in], filter [B, out] and spatial [B, k·k] attentions 2·sigmoid, kernel attention 2·sigmoid / K
/// (temperatures 1, as the official defaults).
/// </summary>
internal sealed class FdGlobalModulation : Module<Tensor, Tensor>
{
    readonly Scalar kernelScale; // 2 / K
    readonly PlannedConv2d fc;
    readonly TrainingSafeBatchNorm2d bn;
    readonly StarReLU relu;
    readonly PlannedConv2d channel_fc;
    readonly PlannedConv2d filter_fc;
    readonly PlannedConv2d spatial_fc;
    readonly PlannedConv2d kernel_fc;

    public FdGlobalModulation(long input, long output, long kernelSize, int groups) : base("KernelSpatialModulation_Global")
    {
        kernelScale = (2.0 / groups).ToScalar();
        long hidden = Math.Max(input / 16, 16);
        fc = new PlannedConv2d(input, hidden, 1, bias: false);
        bn = new TrainingSafeBatchNorm2d(hidden);
        relu = new StarReLU();
        channel_fc = new PlannedConv2d(hidden, input, 1);
        filter_fc = new PlannedConv2d(hidden, output, 1);
        spatial_fc = new PlannedConv2d(hidden, kernelSize * kernelSize, 1);
        kernel_fc = new PlannedConv2d(hidden, groups, 1);
        using (no_grad())
        {
            foreach (PlannedConv2d conv in new[] { fc, channel_fc, filter_fc, spatial_fc, kernel_fc })
            {
                init.kaiming_normal_(conv.Weight, mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.ReLU);
                conv.Bias?.zero_();
            }
            // As the official _initialize_weights means to: every head starts near zero, so the attentions start at 1
            // (the kernel attention at 1/K). The official code tests the wrong attribute for filter_fc and leaves it
            // Kaiming-drawn; that made the stem's gradient norm of a fresh cifar-fdresnet20 25x cifar-resnet20's
            // (23.7 against 0.93 on the same 32 random images; the BatchNorm over pooled inputs amplifies the path), the
            // problem that kept ODConv with Kaiming heads from training, so filter_fc starts near zero as well.
            foreach (PlannedConv2d head in new[] { spatial_fc, kernel_fc, channel_fc, filter_fc }) init.normal_(head.Weight, std: 1e-6);
        }
        RegisterComponents();
    }

    /// <summary>From the pooled input [B, in, 1, 1]: channel [B, in], filter [B, out], spatial [B, k·k] and kernel [B, K] attentions.</summary>
    public (Tensor Channel, Tensor Filter, Tensor Spatial, Tensor Kernel) Weights(Tensor pooled)
    {
        Tensor hidden = relu.forward(bn.forward(fc.forward(pooled)));
        return (channel_fc.forward(hidden).flatten(1).sigmoid().mul(PinnedScalars.Two),
                filter_fc.forward(hidden).flatten(1).sigmoid().mul(PinnedScalars.Two),
                spatial_fc.forward(hidden).flatten(1).sigmoid().mul(PinnedScalars.Two),
                kernel_fc.forward(hidden).flatten(1).sigmoid().mul(kernelScale));
    }

    /// <summary>The kernel attention alone, [B, K].</summary>
    public override Tensor forward(Tensor pooled) => Weights(pooled).Kernel;
}

/// <summary>StarReLU (MetaFormer): s·relu(x)² + b with learnt scalars <c>scale</c> (starting at 1) and <c>bias</c> (at 0).</summary>
internal sealed class StarReLU : Module<Tensor, Tensor>
{
    readonly Parameter scale;
    readonly Parameter bias;

    public StarReLU() : base(nameof(StarReLU))
    {
        scale = Parameter(ones(1));
        bias = Parameter(zeros(1));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        // relu·relu rather than square(), which passes a temporary Scalar (see PinnedScalars); the values are the same.
        Tensor positive = functional.relu(x);
        return positive.mul(positive).mul(scale).add(bias, PinnedScalars.One).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// FDConv's <c>KernelSpatialModulation_Local</c> (ECA-like, without its optional global branch): the pooled channels
/// [B, in] are layer-normed and a 1-D convolution across them (no bias, weights starting at 1e-6, width
/// ⌊round(log2(in)/2 + 1/2) / 2⌋·2 + 1, rounding half to even as Python does) gives out·k·k logits per input
/// channel; the modulation is their 2·sigmoid, one per element of the kernel.
/// </summary>
internal sealed class FdLocalModulation : Module<Tensor, Tensor>
{
    readonly LayerNorm norm;
    readonly Conv1d conv;

    public FdLocalModulation(long channels, long perChannel) : base("KernelSpatialModulation_Local")
    {
        long width = (long)Math.Round(Math.Log2(channels) / 2 + 0.5, MidpointRounding.ToEven) / 2 * 2 + 1;
        norm = LayerNorm(new[] { channels });
        conv = Conv1d(1, perChannel, width, padding: (width - 1) / 2, bias: false);
        using (no_grad())
        {
            using Scalar start = 1e-6.ToScalar();
            init.constant_(conv.weight, start);
        }
        RegisterComponents();
    }

    /// <summary>The modulation [B, out, in, k, k] from the pooled input [B, in, 1, 1].</summary>
    public Tensor Weights(Tensor pooled, long output, long kernelSize)
    {
        long batch = pooled.shape[0], input = pooled.shape[1];
        Tensor logits = forward(pooled);                                                                       // [B, out·k·k, in]
        return logits.view(batch, output, kernelSize, kernelSize, input).permute(0, 1, 4, 2, 3).sigmoid().mul(PinnedScalars.Two);
    }

    /// <summary>The logits [B, out·k·k, in].</summary>
    public override Tensor forward(Tensor pooled) => conv.forward(norm.forward(pooled.flatten(1).unsqueeze(1)));
}

/// <summary>
/// FDConv's <c>FrequencyBandModulation</c> (k_list = <c>divisors</c>, one spatial group, no low-band attention): the
/// input's spectrum (rfft2, orthonormal) is cut at max(|f_y|, |f_x|) &lt; 1/(2k) for each k in turn; the part between
/// consecutive cut-offs is weighted per pixel by 2·sigmoid of a 3×3 convolution of the input to one channel
/// (<c>freq_weight_conv_list.i</c>, starting near zero so the weights start at 1), and the part below the last cut-off
/// is added unweighted. With all weights 1 the output is the input.
/// </summary>
internal sealed class FrequencyBandModulation : Module<Tensor, Tensor>
{
    readonly int[] divisors;
    readonly ModuleList<PlannedConv2d> freq_weight_conv_list;
    readonly HostConstants masks = new();

    public FrequencyBandModulation(long channels, int[] divisors) : base(nameof(FrequencyBandModulation))
    {
        this.divisors = divisors;
        freq_weight_conv_list = new ModuleList<PlannedConv2d>();
        foreach (int _ in divisors)
        {
            var conv = new PlannedConv2d(channels, 1, 3, padding: 1, bias: true);
            using (no_grad())
            {
                init.normal_(conv.Weight, std: 1e-6);
                conv.Bias!.zero_();
            }
            freq_weight_conv_list.Add(conv);
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long height = x.shape[2], width = x.shape[3];
        Tensor spectrum = fft.rfft2(x, norm: FFTNormType.Ortho);
        Tensor rest = x, result = zeros_like(x);
        for (int i = 0; i < divisors.Length; i++)
        {
            int divisor = divisors[i];
            Tensor mask = masks.Get($"below 1/{2 * divisor} at {height}x{width}", x.dtype, x.device, () => LowMask(height, width, divisor), new[] { height, width / 2 + 1 });
            Tensor low = fft.irfft2(spectrum.mul(mask), s: new[] { height, width }, norm: FFTNormType.Ortho);
            Tensor weight = freq_weight_conv_list[i].forward(x).sigmoid().mul(PinnedScalars.Two);             // [B, 1, H, W]
            result = result.add(rest.sub(low).mul(weight), PinnedScalars.One);
            rest = low;
        }
        return result.add(rest, PinnedScalars.One).MoveToOuterDisposeScope();
    }

    // 1 where max(|f_y|, |f_x|) < 1/(2k) + 1e-8 on the half spectrum [H, W/2+1] (fftfreq rows, rfftfreq columns).
    static float[] LowMask(long height, long width, int divisor)
    {
        long columns = width / 2 + 1;
        var mask = new float[height * columns];
        double cut = 0.5 / divisor + 1e-8;
        for (long a = 0; a < height; a++)
        {
            double fy = Math.Abs((a < (height + 1) / 2 ? a : a - height) / (double)height);
            for (long b = 0; b < columns; b++)
            {
                if (Math.Max(fy, b / (double)width) < cut) mask[a * columns + b] = 1;
            }
        }
        return mask;
    }
}

/// <summary>
/// Constant tensors a layer computes on the host (its masks), made once per key, element type and device instead of
/// once per batch; held outside every dispose scope and outside the state dict.
/// </summary>
internal sealed class HostConstants
{
    readonly Dictionary<(string Key, ScalarType Type, string Device), Tensor> made = new();

    /// <summary>The tensor <paramref name="key"/> of <paramref name="shape"/> from <paramref name="values"/>, made on first use.</summary>
    public Tensor Get(string key, ScalarType type, Device device, Func<float[]> values, long[] shape)
    {
        lock (made)
        {
            var id = (key, type, device.ToString());
            if (!made.TryGetValue(id, out Tensor? constant))
            {
                constant = tensor(values(), shape, dtype: type, device: device).DetachFromDisposeScope();
                made[id] = constant;
            }
            return constant;
        }
    }
}
