using FreqProbe.Core.Datasets;
using FreqProbe.Core.Models;

namespace FreqProbe.Core.Training;

/// <summary>Everything one training run needs, decided once by the caller.</summary>
public sealed record TrainRequest
{
    /// <summary>The architecture.</summary>
    public required ModelSpec Model { get; init; }
    /// <summary>Model outputs; null takes the dataset's class count.</summary>
    public int? NumClasses { get; init; }
    /// <summary>Preprocessing (the evaluation pipeline's).</summary>
    public required PreprocessPolicy Preprocess { get; init; }
    /// <summary>Normalisation mean, in [0,1] units.</summary>
    public required IReadOnlyList<float> Mean { get; init; }
    /// <summary>Normalisation std, in [0,1] units.</summary>
    public required IReadOnlyList<float> Std { get; init; }
    /// <summary>The training data (its split is replaced by train and test).</summary>
    public required DatasetOptions Dataset { get; init; }
    /// <summary>Folder of the test images for folder datasets (which have no splits); null uses the test split or, for folders, the training folder.</summary>
    public string? TestDataPath { get; init; }
    /// <summary>Size of the synthetic/generated test split, where the dataset is generated; 0 for its default.</summary>
    public int TestCount { get; init; }
    /// <summary>Epochs in all (a resumed run continues to this number).</summary>
    public int Epochs { get; init; } = 30;
    /// <summary>Images per step.</summary>
    public int BatchSize { get; init; } = 128;
    /// <summary>Peak learning rate.</summary>
    public double MaxLearningRate { get; init; } = 0.1;
    /// <summary>onecycle or cosine.</summary>
    public string Schedule { get; init; } = "onecycle";
    /// <summary>SGD momentum.</summary>
    public double Momentum { get; init; } = 0.9;
    /// <summary>Nesterov momentum.</summary>
    public bool Nesterov { get; init; } = true;
    /// <summary>L2 weight decay.</summary>
    public double WeightDecay { get; init; } = 5e-4;
    /// <summary>Zero padding for the random crop, in pixels; 0 disables the crop.</summary>
    public int CropPadding { get; init; } = 4;
    /// <summary>Random horizontal flips.</summary>
    public bool Flip { get; init; } = true;
    /// <summary>
    /// With probability 1/2 per image, subtract a random fraction (uniform in [0, 1]) of each channel's mean, so that
    /// zero-mean inputs such as high-passed images are inside the training distribution.
    /// </summary>
    public bool DcJitter { get; init; }
    /// <summary>The training variant.</summary>
    public AugmentSpec Augment { get; init; } = AugmentSpec.None;
    /// <summary>Seed for initialisation, shuffling and augmentation.</summary>
    public ulong Seed { get; init; }
    /// <summary>CPU threads.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;
    /// <summary>auto, cpu or cuda.</summary>
    public string Device { get; init; } = "auto";
    /// <summary>Use only the first N training images.</summary>
    public int? TrainLimit { get; init; }
    /// <summary>Evaluate on only the first N test images each epoch.</summary>
    public int? TestLimit { get; init; }
    /// <summary>What to measure after every epoch (NAME.probe.csv, NAME.fprinciple.csv); null for nothing beyond the log.</summary>
    public ProbeSpec? Probe { get; init; }
    /// <summary>Folder for the log, checkpoint, weights and model card.</summary>
    public required string OutputDirectory { get; init; }
    /// <summary>File stem of the outputs, e.g. cifar-resnet20-natural.</summary>
    public required string Name { get; init; }
    /// <summary>The training split of <see cref="Dataset"/> (with its labels permuted for a random-label run).</summary>
    public DatasetOptions TrainDataset => Dataset with { Split = "train" };
    /// <summary>The test split: <see cref="TestDataPath"/> for folders, the generated size for generated data, and always the true labels.</summary>
    public DatasetOptions TestDataset => Dataset with
    {
        Split = "test",
        GeneratedCount = TestCount,
        DataPath = TestDataPath ?? Dataset.DataPath,
        ShuffleLabelsSeed = null, // a random-label run is still tested against the true labels
    };
    /// <summary>Continue from the last checkpoint in the output folder.</summary>
    public bool Resume { get; init; }
    /// <summary>The command line, for the model card.</summary>
    public string CommandLine { get; init; } = "";
}
