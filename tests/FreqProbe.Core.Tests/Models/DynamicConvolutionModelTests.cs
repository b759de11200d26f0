using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Models;
using FreqProbe.Core.Tests.Support;
using FreqProbe.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Models;

/// <summary>What every CIFAR ResNet-20 with dynamic convolutions (ODConv, ODConv from copies, FDConv) must do: prepare for inference, train, resume.</summary>
public sealed class DynamicConvolutionModelTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    // Inference folds the BatchNorms after ordinary convolutions (stem, shortcuts, the attention heads' fc); those after
    // a dynamic convolution run unfolded, and the prepared forward gives the eval-mode logits.
    [Theory]
    [InlineData("cifar-odresnet20", "nchw")]
    [InlineData("cifar-odresnet20", "nhwc")]
    [InlineData("cifar-fdresnet20", "nchw")]
    [InlineData("cifar-fdresnet20", "nhwc")]
    [Trait("Speed", "slow")]
    public void Inference_preparation_keeps_the_logits(string name, string layout)
    {
        using var scope = NewDisposeScope();
        using var model = ModelRegistry.Get(name).Create(10);
        HashedWeights.Fill(model);
        model.eval();
        manual_seed(5);
        Tensor x = randn(3, 3, 32, 32);
        using var guard = no_grad();
        Tensor expected = model.forward(x);
        Tensor prepared = VerifiedForward.Plan(model, x.shape[0], 32, layout).Forward(x);
        double scale = expected.abs().max().item<float>();
        Assert.True(scale > 0.1, $"logits too small to compare ({scale})");
        Assert.True((prepared - expected).abs().max().item<float>() <= 1e-4 * scale, $"max diff {(prepared - expected).abs().max().item<float>()} at scale {scale}");
        Assert.Contains("layer2.0.downsample.0.bias", model.state_dict().Keys);
        Assert.DoesNotContain("layer2.0.conv1.bias", model.state_dict().Keys);
    }

    // With the official Kaiming init of ODConv's attention heads the kernel-attention path compounded over the 18 banks:
    // the stem's gradient norm was about 300x cifar-resnet20's on random images (2.4e4 against 0.86 on CIFAR-10 images)
    // and the loss did not fall. A fresh dynamic model's stem gradient must stay within 10x the ResNet's.
    [Theory]
    [InlineData("cifar-odresnet20")]
    [InlineData("cifar-odresnet20-copies")]
    [InlineData("cifar-fdresnet20")]
    [Trait("Speed", "slow")]
    public void A_fresh_model_passes_gradients_back_like_the_plain_ResNet(string name)
    {
        double StemGradient(string model)
        {
            using var scope = NewDisposeScope();
            manual_seed(0);
            using var network = ModelRegistry.Get(model).Create(10);
            network.train();
            manual_seed(1);
            Tensor loss = nn.functional.cross_entropy(network.forward(randn(32, 3, 32, 32)), randint(0, 10, new long[] { 32 }));
            loss.backward();
            return network.named_parameters().Single(p => p.name == "conv1.weight").parameter.grad!.norm().item<float>();
        }
        double plain = StemGradient("cifar-resnet20"), dynamic = StemGradient(name);
        Assert.True(dynamic < 10 * plain && dynamic > plain / 10, $"stem gradient {dynamic} against {plain} for cifar-resnet20");
    }

    [Theory]
    [InlineData("cifar-odresnet20")]
    [InlineData("cifar-fdresnet20")]
    [Trait("Speed", "slow")]
    public void Trains_and_an_interrupted_run_resumes_to_the_same_weights(string name)
    {
        TrainRequest Request(string folder) => TinyTraining.Request(dir.File(folder)) with { Model = ModelRegistry.Get(name) };
        Trainer.Run(Request("whole"));
        using var cancel = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => Trainer.Run(Request("cut"), new CancelAtEpoch(2, cancel), cancellation: cancel.Token));
        ModelCard resumed = Trainer.Run(Request("cut") with { Resume = true });
        Assert.Equal(name, resumed.Model);
        byte[] whole = File.ReadAllBytes(Path.Combine(dir.File("whole"), "tiny.safetensors"));
        Assert.Equal(whole, File.ReadAllBytes(Path.Combine(dir.File("cut"), "tiny.safetensors")));

        // The saved weights bind strictly to a fresh model and give finite logits.
        using var model = ModelRegistry.Get(name).Open(10, Path.Combine(dir.File("whole"), "tiny.safetensors"));
        model.eval();
        using var guard = no_grad();
        using Tensor logits = model.forward(randn(2, 3, 32, 32));
        Assert.True(logits.isfinite().all().item<bool>());
    }
}
