using FreqProbe.Core.Datasets;
using FreqProbe.Core.Models;
using FreqProbe.Core.Training;

namespace FreqProbe.Core.Tests.Support;

/// <summary>The small synthetic training run the training tests vary: 96 images, 48 test images, 2 epochs of 3 steps.</summary>
public static class TinyTraining
{
    /// <summary>The run, writing to <paramref name="outputDirectory"/> under the name "tiny".</summary>
    public static TrainRequest Request(string outputDirectory, string augment = "none") => new()
    {
        Model = ModelRegistry.Get("cifar-resnet20"),
        Preprocess = PreprocessPolicy.Native(32),
        Mean = ModelRegistry.Get("cifar-resnet20").Mean!,
        Std = ModelRegistry.Get("cifar-resnet20").Std!,
        Dataset = new DatasetOptions("synthetic", null, "train", GeneratedCount: 96, Seed: 4),
        TestCount = 48,
        Epochs = 2,
        BatchSize = 32,
        Augment = AugmentSpec.Parse(augment),
        Threads = 2,
        Device = "cpu",
        Seed = 9,
        OutputDirectory = outputDirectory,
        Name = "tiny",
    };
}

/// <summary>Cancels a training run when its progress first reports <paramref name="epoch"/>.</summary>
public sealed class CancelAtEpoch(int epoch, CancellationTokenSource source) : IProgress<TrainProgress>
{
    /// <inheritdoc />
    public void Report(TrainProgress value)
    {
        if (value.Epoch == epoch) source.Cancel();
    }
}
