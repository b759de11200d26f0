using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Models;
using FreqProbe.Core.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Models;

public sealed class BatchNormFoldingTests
{
    static Tensor Logits(nn.Module<Tensor, Tensor> model, Tensor x)
    {
        using var guard = no_grad();
        return model.forward(x);
    }

    [Theory]
    [InlineData("cifar-resnet20", 32, 21)] // stem + 9 blocks x 2 + 2 shortcuts
    [InlineData("resnet18", 64, 20)] // stem + 8 blocks x 2 + 3 shortcuts
    [InlineData("resnet50", 64, 53)] // stem + 16 bottlenecks x 3 + 4 shortcuts
    [Trait("Speed", "slow")]
    public void Folding_every_BatchNorm_keeps_the_logits(string name, int size, int expectedFolds)
    {
        using var scope = NewDisposeScope();
        ModelSpec spec = ModelRegistry.Get(name);
        using var model = spec.Create(10);
        HashedWeights.Fill(model); // non-trivial running statistics, scales and shifts
        model.eval();
        manual_seed(3);
        Tensor x = randn(4, 3, size, size);
        Tensor expected = Logits(model, x);

        Assert.Equal(expectedFolds, BatchNormFolding.Fold(model));
        Tensor folded = Logits(model, x);
        double scale = expected.abs().max().item<float>();
        Assert.True(scale > 0.1, $"logits too small to compare ({scale})");
        double worst = (folded - expected).abs().max().item<float>();
        Assert.True(worst <= 1e-4 * scale, $"folded logits differ by {worst} (scale {scale})");
        Assert.Contains("conv1.bias", model.state_dict().Keys); // the stem's convolution now carries the folded shift
    }

    [Fact]
    public void A_folded_BatchNorm_refuses_training()
    {
        using var model = ModelRegistry.Get("cifar-resnet20").Create(10);
        model.eval();
        BatchNormFolding.Fold(model);
        model.train();
        using Tensor x = randn(2, 3, 32, 32);
        Assert.Throws<InvalidOperationException>(() => model.forward(x));
    }

    [Theory]
    [InlineData("bn1", "conv1")]
    [InlineData("layer2.1.bn3", "layer2.1.conv3")]
    [InlineData("layer3.0.downsample.1", "layer3.0.downsample.0")]
    [InlineData("layer3.0.other.1", "")]
    [InlineData("layer1.0.conv1.attention.bn", "layer1.0.conv1.attention.fc")]
    [InlineData("layer1.0.conv1.KSM_Global.bn", "layer1.0.conv1.KSM_Global.fc")]
    public void The_feeding_convolution_is_found_by_torchvision_key_names(string norm, string conv) =>
        Assert.Equal(conv, BatchNormFolding.FeedingConvolution(norm));

    [Cifar10Fact]
    [Trait("Speed", "slow")]
    public void The_committed_natural_model_predicts_the_same_classes_folded_on_real_CIFAR10_images()
    {
        using var scope = NewDisposeScope();
        const int images = 1000;
        byte[] raw = File.ReadAllBytes(Path.Combine(SharedData.Cifar10, "test_batch.bin"));
        var pixels = new float[images * 3072];
        for (int i = 0; i < images; i++)
        {
            for (int j = 0; j < 3072; j++) pixels[i * 3072 + j] = raw[i * 3073 + 1 + j] / 255f;
        }
        ModelSpec spec = ModelRegistry.Get("cifar-resnet20");
        Tensor mean = tensor(spec.Mean!.ToArray()).view(1, 3, 1, 1), std = tensor(spec.Std!.ToArray()).view(1, 3, 1, 1);
        Tensor x = (tensor(pixels, new long[] { images, 3, 32, 32 }) - mean) / std;
        string weights = Path.Combine(SharedData.RepositoryRoot, "models", "cifar-resnet20-natural", "cifar-resnet20-natural.safetensors");

        Tensor Predict(bool fold)
        {
            var model = spec.Create(10);
            StateDictBinder.LoadFile(model, weights);
            model.eval();
            using var guard = no_grad();
            // Folded: the session's path (folding, channels-last, verified kernels); unfolded: the model as trained.
            return fold ? VerifiedForward.Plan(model, 64, 32, "nhwc").Forward(x) : model.forward(x);
        }

        Tensor plain = Predict(false), folded = Predict(true);
        Assert.Equal(plain.argmax(1).data<long>().ToArray(), folded.argmax(1).data<long>().ToArray());
        Assert.True((plain - folded).abs().max().item<float>() < 1e-3);
    }
}
