using System.Globalization;

namespace FreqProbe.Core.Planning;

/// <summary>
/// The limits a run is checked against before any work starts, each with its reason: threads, the model-input size
/// for the batch size (the working memory of one batch), and the number of filter settings (their masks).
/// </summary>
public static class RunLimits
{
    /// <summary>Threads allowed per CPU core: more only add scheduling overhead (and thousands of them stall libtorch).</summary>
    public const int ThreadsPerCore = 4;

    /// <summary>The most threads a run may ask for on this machine.</summary>
    public static int MaxThreads => Math.Max(8, Environment.ProcessorCount * ThreadsPerCore);

    /// <summary>Working memory one batch may need: its images, their spectra and the filtered copies of a forward pass.</summary>
    public const long BatchBudgetBytes = 8L << 30;

    /// <summary>float32 planes per image and channel in flight during a batch: the image, its complex spectrum and filtered copies.</summary>
    public const int PlanesPerImage = 8;

    /// <summary>The largest model-input side at any batch size (the mask and the basis images grow with its square).</summary>
    public const int MaxInputSize = 8192;

    /// <summary>Memory for the cached filter masks of one run.</summary>
    public const long MaskBudgetBytes = 4L << 30;

    /// <summary>Bytes of working memory for a batch of <paramref name="batch"/> images of side <paramref name="size"/>.</summary>
    public static long BatchBytes(int batch, int size) => (long)batch * 3 * size * size * sizeof(float) * PlanesPerImage;

    /// <summary>The largest model-input side whose batch of <paramref name="batch"/> images fits the budget.</summary>
    public static int LargestInputSize(int batch) =>
        (int)Math.Min(MaxInputSize, Math.Floor(Math.Sqrt((double)BatchBudgetBytes / ((double)batch * 3 * sizeof(float) * PlanesPerImage))));

    /// <summary>The most filter settings whose masks at side <paramref name="size"/> fit the mask budget.</summary>
    public static long MaxSettings(int size) => MaskBudgetBytes / ((long)size * size * sizeof(float));

    /// <summary>The problems of these settings, each naming its limit and the reason.</summary>
    public static IEnumerable<Problem> Check(int threads, int inputSize, int batch, int settings)
    {
        if (threads > MaxThreads)
        {
            yield return new Problem(RunSettings.Threads.Name, Invariant(
                $"{threads} threads is more than {ThreadsPerCore} per core of this machine's {Environment.ProcessorCount}; expected 1 to {MaxThreads} (results do not depend on it)."));
        }
        if (inputSize > LargestInputSize(batch))
        {
            double gib = BatchBytes(batch, inputSize) / (double)(1L << 30);
            yield return new Problem(RunSettings.InputSize.Name,
                Invariant($"{inputSize} pixels is too large: a batch of {batch} images at {inputSize}x{inputSize} needs {gib:0.#} GiB of working memory ") +
                Invariant($"({batch} x 3 channels x {inputSize}^2 x {PlanesPerImage} float32 planes), over the {BatchBudgetBytes >> 30} GiB budget; ") +
                Invariant($"the largest size at --batch-size {batch} is {LargestInputSize(batch)} (at most {MaxInputSize} with a smaller batch)."));
        }
        else if (settings > MaxSettings(inputSize))
        {
            yield return new Problem(RunSettings.Radii.Name, Invariant(
                $"{settings} filter settings at {inputSize}x{inputSize} need {(double)settings * inputSize * inputSize * sizeof(float) / (1L << 30):0.#} GiB of masks; expected at most {MaxSettings(inputSize)} settings at this size."));
        }
    }

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
