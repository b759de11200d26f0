using FreqProbe.Core.Spectral;

namespace FreqProbe.Core.Evaluation;

/// <summary>Receives one prediction per image and filter setting, in dataset order within each batch.</summary>
public interface IPredictionSink
{
    /// <summary>Image <paramref name="index"/> (0-based dataset position) under <paramref name="filter"/> was predicted <paramref name="predicted"/> with softmax probability <paramref name="probability"/>.</summary>
    void Add(int index, int label, FrequencyFilter filter, int predicted, float probability);

    /// <summary>Flushes what was added and returns the sink's length in bytes (recorded in checkpoints).</summary>
    long Flush();
}
