namespace FreqProbe.Core.Training;

/// <summary>Where training is: epoch (1-based) of all, images done in this epoch of its total, time in this epoch.</summary>
public readonly record struct TrainProgress(int Epoch, int Epochs, int ImagesDone, int ImagesTotal, TimeSpan Elapsed, double RunningLoss);
