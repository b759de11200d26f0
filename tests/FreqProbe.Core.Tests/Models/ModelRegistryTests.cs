using FreqProbe.Core.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Models;

public sealed class ModelRegistryTests
{
    public static TheoryData<string> Names => new(ModelRegistry.Architectures);

    [Theory]
    [MemberData(nameof(Names))]
    [Trait("Speed", "slow")]
    public void Every_registered_model_builds_and_maps_a_batch_to_logits(string name)
    {
        ModelSpec spec = ModelRegistry.Get(name);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var model = spec.Create(7);
        model.eval();
        // ImageNet models are exercised at 64x64 to keep CI fast; adaptive pooling makes the size free.
        int side = Math.Min(spec.Preprocess!.InputSize, 64);
        Tensor logits = model.forward(randn(2, 3, side, side));
        Assert.Equal(new long[] { 2, 7 }, logits.shape);
        Assert.True(logits.isfinite().all().item<bool>());
        Assert.Equal(3, spec.Mean!.Count);
        Assert.Equal(3, spec.Std!.Count);
    }

    [Fact]
    public void An_unknown_name_lists_the_valid_ones()
    {
        var error = Assert.Throws<InputException>(() => ModelRegistry.Get("resnet51"));
        Assert.Contains("resnet50", error.Message, StringComparison.Ordinal);
        Assert.Contains("cifar-resnet20", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cifar-resnet20", 20)]
    [InlineData("cifar-resnet56", 56)]
    public void Cifar_family_has_three_stages_of_n_blocks(string name, int depth)
    {
        using var model = ModelRegistry.Get(name).Create(10);
        int n = (depth - 2) / 6;
        string[] keys = model.state_dict().Keys.ToArray();
        Assert.Contains($"layer3.{n - 1}.conv2.weight", keys);
        Assert.DoesNotContain($"layer3.{n}.conv1.weight", keys);
        Assert.DoesNotContain("layer4.0.conv1.weight", keys);
        Assert.Contains("layer2.0.downsample.0.weight", keys);
        Assert.DoesNotContain("layer1.0.downsample.0.weight", keys);
        Assert.Equal(new long[] { 10, 64 }, model.state_dict()["fc.weight"].shape);
    }
}
