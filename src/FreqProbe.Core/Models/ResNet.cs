using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FreqProbe.Core.Models;

/// <summary>
/// torchvision's ResNet with its key names (<c>conv1</c>, <c>bn1</c>, <c>layer1..4</c>, <c>fc</c>), so that
/// torchvision's <c>resnet*.pth</c> files load unchanged. The CIFAR stem replaces the 7×7 stride-2 convolution and
/// max-pool with a 3×3 stride-1 convolution (CONVENTIONS.md, <c>cifar-resnet18/34/50</c>).
/// </summary>
internal sealed class ResNet : Module<Tensor, Tensor>
{
    readonly PlannedConv2d conv1;
    readonly TrainingSafeBatchNorm2d bn1;
    readonly MaxPool2d? maxpool;
    readonly Sequential layer1;
    readonly Sequential layer2;
    readonly Sequential layer3;
    readonly Sequential layer4;
    readonly Linear fc;

    public ResNet(bool bottleneck, int[] blocks, int numClasses, bool cifarStem) : base(nameof(ResNet))
    {
        conv1 = cifarStem
            ? new PlannedConv2d(3, 64, kernelSize: 3, stride: 1, padding: 1, bias: false)
            : new PlannedConv2d(3, 64, kernelSize: 7, stride: 2, padding: 3, bias: false);
        bn1 = new TrainingSafeBatchNorm2d(64);
        maxpool = cifarStem ? null : MaxPool2d(kernel_size: 3, stride: 2, padding: 1);
        long channels = 64;
        layer1 = Stage(bottleneck, ref channels, 64, blocks[0], 1);
        layer2 = Stage(bottleneck, ref channels, 128, blocks[1], 2);
        layer3 = Stage(bottleneck, ref channels, 256, blocks[2], 2);
        layer4 = Stage(bottleneck, ref channels, 512, blocks[3], 2);
        fc = Linear(channels, numClasses);
        RegisterComponents();
    }

    static Sequential Stage(bool bottleneck, ref long channels, long planes, int count, long stride)
    {
        var modules = new List<Module<Tensor, Tensor>>();
        for (int i = 0; i < count; i++)
        {
            long s = i == 0 ? stride : 1;
            modules.Add(bottleneck ? new Bottleneck(channels, planes, s) : new BasicBlock(channels, planes, s));
            channels = bottleneck ? planes * Bottleneck.Expansion : planes;
        }
        return Sequential(modules);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor y = bn1.forward(conv1.forward(x)).relu_();
        if (maxpool is not null) y = maxpool.forward(y);
        y = layer4.forward(layer3.forward(layer2.forward(layer1.forward(y))));
        y = functional.adaptive_avg_pool2d(y, new long[] { 1, 1 }).flatten(1);
        return fc.forward(y).MoveToOuterDisposeScope();
    }
}
