namespace FreqProbe.Core.Datasets;

/// <summary>
/// A labelled image dataset in a fixed order. Implementations must be safe to <see cref="Decode"/> from several
/// threads at once and must not hold the images in memory.
/// </summary>
public interface IImageDataset : IDisposable
{
    /// <summary>The registry name: cifar10, imagefolder, imagenet, synthetic.</summary>
    string Name { get; }

    /// <summary>Where the data came from (a path, or a description for generated data).</summary>
    string Source { get; }

    /// <summary>The split, where the dataset has one; otherwise empty.</summary>
    string Split { get; }

    /// <summary>Number of images.</summary>
    int Count { get; }

    /// <summary>Class names, indexed by label.</summary>
    IReadOnlyList<string> ClassNames { get; }

    /// <summary>The label of image <paramref name="index"/>, without decoding it.</summary>
    int LabelAt(int index);

    /// <summary>Decodes image <paramref name="index"/>; throws <see cref="BadImageException"/> for a corrupt image.</summary>
    RgbImage Decode(int index);

    /// <summary>
    /// Writes the model input of image <paramref name="index"/> under <paramref name="policy"/> into
    /// <paramref name="destination"/> (S·S·3 bytes, H×W×3); throws <see cref="BadImageException"/> for a corrupt image.
    /// A dataset of encoded files may decode only the pixels the input needs; the bytes are the same either way.
    /// </summary>
    void Prepare(int index, PreprocessPolicy policy, Span<byte> destination) => ImagePreprocessor.Apply(Decode(index), policy, destination);

    /// <summary>A short description of image <paramref name="index"/> for messages (its path, or file and record).</summary>
    string Describe(int index);

    /// <summary>
    /// What the data is, beyond its path, for resuming: a hash of the files that are read (their bytes for a few large
    /// files, their names, sizes and modification times for many small ones); empty for generated data. A resumed run
    /// whose data stamp differs from its checkpoint's would mix two datasets. Every dataset states it (no default): a
    /// silent empty stamp would turn the check off.
    /// </summary>
    string ContentStamp();

    /// <summary>
    /// A hash of the encoded bytes image <paramref name="index"/> is read from (XxHash3 of its file), so that a cache of
    /// decoded inputs can tell an image edited in place, with its size and modification time kept, from the one it
    /// decoded; null where the <see cref="ContentStamp"/> already covers every byte (CIFAR-10's batches) or there are no
    /// files (synthetic data).
    /// </summary>
    ulong? SourceHash(int index);
}
