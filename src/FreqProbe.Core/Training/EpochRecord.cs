namespace FreqProbe.Core.Training;

/// <summary>One row of the training log.</summary>
public sealed record EpochRecord(int Epoch, double LearningRate, double TrainLoss, double TrainAccuracy, double TestAccuracy, double Seconds);
