using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FreqProbe.Core.Models;

/// <summary>
/// The CIFAR ResNets of He et al. (2016), depth 6n + 2: a 3×3 stem of 16 channels, three stages of 16/32/64
/// channels with n basic blocks each, global average pooling and <c>fc</c>. Shortcuts are 1×1 convolution plus
/// BatchNorm when the shape changes; key names follow torchvision. With a <c>blockConvolution</c> the blocks' 3×3
/// convolutions are dynamic ones (ODConv banks, <see cref="OmniDimensionalConv2d"/>, as in the official <c>od_resnet</c>;
/// or FDConv layers, <see cref="FourierDisjointConv2d"/>): the stem and the shortcuts stay ordinary convolutions.
/// </summary>
internal sealed class CifarResNet : Module<Tensor, Tensor>
{
    readonly PlannedConv2d conv1;
    readonly TrainingSafeBatchNorm2d bn1;
    readonly Sequential layer1;
    readonly Sequential layer2;
    readonly Sequential layer3;
    readonly Linear fc;

    /// <summary>ODConv banks of K independently drawn kernels, as the official code draws them.</summary>
    public static Func<long, long, long, Module<Tensor, Tensor>> OdConv(int kernels) =>
        (input, output, stride) => new OmniDimensionalConv2d(input, output, 3, stride, 1, kernels);

    /// <summary>ODConv banks whose K kernels start as copies of one kernel plus small noise.</summary>
    public static Func<long, long, long, Module<Tensor, Tensor>> OdConvFromCopies(int kernels) =>
        (input, output, stride) => new OmniDimensionalConv2d(input, output, 3, stride, 1, kernels, fromCopies: true);

    /// <summary>FDConv layers of K Fourier-disjoint groups.</summary>
    public static Func<long, long, long, Module<Tensor, Tensor>> FdConv(int groups) =>
        (input, output, stride) => new FourierDisjointConv2d(input, output, 3, stride, 1, groups);

    public CifarResNet(int depth, int numClasses, Func<long, long, long, Module<Tensor, Tensor>>? blockConvolution = null) : base(nameof(CifarResNet))
    {
        if ((depth - 2) % 6 != 0) throw new ArgumentException($"depth {depth} is not 6n + 2", nameof(depth));
        int n = (depth - 2) / 6;
        conv1 = new PlannedConv2d(3, 16, kernelSize: 3, stride: 1, padding: 1, bias: false);
        bn1 = new TrainingSafeBatchNorm2d(16);
        layer1 = Stage(16, 16, n, 1, blockConvolution);
        layer2 = Stage(16, 32, n, 2, blockConvolution);
        layer3 = Stage(32, 64, n, 2, blockConvolution);
        fc = Linear(64, numClasses);
        RegisterComponents();
    }

    static Sequential Stage(long input, long planes, int count, long stride, Func<long, long, long, Module<Tensor, Tensor>>? conv3x3)
    {
        var modules = new List<Module<Tensor, Tensor>>();
        for (int i = 0; i < count; i++) modules.Add(new BasicBlock(i == 0 ? input : planes, planes, i == 0 ? stride : 1, conv3x3));
        return Sequential(modules);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor y = bn1.forward(conv1.forward(x)).relu_();
        y = layer3.forward(layer2.forward(layer1.forward(y)));
        y = functional.adaptive_avg_pool2d(y, new long[] { 1, 1 }).flatten(1);
        return fc.forward(y).MoveToOuterDisposeScope();
    }
}
