using FreqProbe.Core.Native;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FreqProbe.Core.Models;

/// <summary>
/// The residual blocks of torchvision's ResNet (He et al. 2016), with torchvision's state-dict key names:
/// <c>conv1</c>, <c>bn1</c>, <c>conv2</c>, <c>bn2</c>, (<c>conv3</c>, <c>bn3</c>), <c>downsample.0/1</c>.
/// </summary>
internal static class ResNetBlocks
{
    public static PlannedConv2d Conv3x3(long input, long output, long stride = 1) =>
        new(input, output, kernelSize: 3, stride: stride, padding: 1, bias: false);

    public static PlannedConv2d Conv1x1(long input, long output, long stride = 1) =>
        new(input, output, kernelSize: 1, stride: stride, bias: false);

    /// <summary>A 1×1 convolution plus BatchNorm shortcut, or null when the shape does not change.</summary>
    public static Sequential? Shortcut(long input, long output, long stride) =>
        stride != 1 || input != output ? Sequential(Conv1x1(input, output, stride), new TrainingSafeBatchNorm2d(output)) : null;
}

/// <summary>
/// torchvision's BasicBlock: two 3×3 convolutions (expansion 1). A <c>conv3x3</c> factory (input, output, stride)
/// replaces them, e.g. by ODConv's dynamic convolution; the shortcut stays an ordinary 1×1 convolution.
/// </summary>
internal sealed class BasicBlock : Module<Tensor, Tensor>
{
    readonly Module<Tensor, Tensor> conv1;
    readonly TrainingSafeBatchNorm2d bn1;
    readonly Module<Tensor, Tensor> conv2;
    readonly TrainingSafeBatchNorm2d bn2;
    readonly Sequential? downsample;

    public BasicBlock(long input, long planes, long stride, Func<long, long, long, Module<Tensor, Tensor>>? conv3x3 = null)
        : base(nameof(BasicBlock))
    {
        conv3x3 ??= ResNetBlocks.Conv3x3;
        conv1 = conv3x3(input, planes, stride);
        bn1 = new TrainingSafeBatchNorm2d(planes);
        conv2 = conv3x3(planes, planes, 1);
        bn2 = new TrainingSafeBatchNorm2d(planes);
        downsample = ResNetBlocks.Shortcut(input, planes, stride);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor y = bn1.forward(conv1.forward(x)).relu_();
        y = bn2.forward(conv2.forward(y));
        Tensor identity = downsample is null ? x : downsample.forward(x);
        return y.add_(identity, PinnedScalars.One).relu_().MoveToOuterDisposeScope();
    }
}

/// <summary>torchvision's Bottleneck (v1.5: stride on the 3×3 convolution), expansion 4.</summary>
internal sealed class Bottleneck : Module<Tensor, Tensor>
{
    public const int Expansion = 4;

    readonly PlannedConv2d conv1;
    readonly TrainingSafeBatchNorm2d bn1;
    readonly PlannedConv2d conv2;
    readonly TrainingSafeBatchNorm2d bn2;
    readonly PlannedConv2d conv3;
    readonly TrainingSafeBatchNorm2d bn3;
    readonly Sequential? downsample;

    public Bottleneck(long input, long planes, long stride) : base(nameof(Bottleneck))
    {
        conv1 = ResNetBlocks.Conv1x1(input, planes);
        bn1 = new TrainingSafeBatchNorm2d(planes);
        conv2 = ResNetBlocks.Conv3x3(planes, planes, stride);
        bn2 = new TrainingSafeBatchNorm2d(planes);
        conv3 = ResNetBlocks.Conv1x1(planes, planes * Expansion);
        bn3 = new TrainingSafeBatchNorm2d(planes * Expansion);
        downsample = ResNetBlocks.Shortcut(input, planes * Expansion, stride);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor y = bn1.forward(conv1.forward(x)).relu_();
        y = bn2.forward(conv2.forward(y)).relu_();
        y = bn3.forward(conv3.forward(y));
        Tensor identity = downsample is null ? x : downsample.forward(x);
        return y.add_(identity, PinnedScalars.One).relu_().MoveToOuterDisposeScope();
    }
}
