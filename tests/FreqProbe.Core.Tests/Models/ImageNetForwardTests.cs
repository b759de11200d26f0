using FreqProbe.Core.Datasets;
using FreqProbe.Core.Models;
using FreqProbe.Core.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Models;

public sealed class ImageNetForwardTests
{
    [ImageNetSampleFact]
    [Trait("Speed", "slow")]
    public void Resnet50_runs_on_real_ImageNet_images()
    {
        ModelSpec spec = ModelRegistry.Get("resnet50");
        using IImageDataset data = DatasetRegistry.Open(new DatasetOptions("imagenet", Path.Combine(SharedData.ImageNetSample, "val")));
        var pixels = new float[2 * 3 * 224 * 224];
        for (int i = 0; i < 2; i++) ImagePreprocessor.Apply(data.Decode(i * 50), spec.Preprocess!, pixels.AsSpan(i * 3 * 224 * 224, 3 * 224 * 224));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        manual_seed(0);
        using var model = spec.Create(1000);
        model.eval();
        Tensor x = (tensor(pixels, new long[] { 2, 3, 224, 224 }) - tensor(spec.Mean!.ToArray(), new long[] { 1, 3, 1, 1 })) / tensor(spec.Std!.ToArray(), new long[] { 1, 3, 1, 1 });
        Tensor logits = model.forward(x);
        Assert.Equal(new long[] { 2, 1000 }, logits.shape);
        Assert.True(logits.isfinite().all().item<bool>());
        Assert.False(logits[0].allclose(logits[1]), "different images must give different logits");
    }
}
