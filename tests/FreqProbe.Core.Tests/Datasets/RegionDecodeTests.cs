using FreqProbe.Core.Datasets;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Core.Tests.Datasets;

/// <summary>
/// An image folder decodes a JPEG only where the model input needs it (columns cropped in libjpeg-turbo, rows above
/// skipped, rows below never decoded); the input must be byte for byte what decoding the whole image gives.
/// </summary>
public sealed class RegionDecodeTests
{
    static void SameAsWholeDecode(IImageDataset data, PreprocessPolicy policy)
    {
        int stride = 3 * policy.InputSize * policy.InputSize;
        var region = new byte[stride];
        var whole = new byte[stride];
        for (int i = 0; i < data.Count; i++)
        {
            data.Prepare(i, policy, region);
            ImagePreprocessor.Apply(data.Decode(i), policy, whole);
            Assert.True(whole.AsSpan().SequenceEqual(region), $"{data.Describe(i)}: the region decode differs from the whole decode");
        }
    }

    [Fact]
    public void Region_decoding_of_jpegs_made_here_equals_whole_decoding()
    {
        using var dir = new TempDirectory();
        // Odd sizes and offsets, landscape and portrait, so that the crop starts inside chroma blocks and MCUs.
        (int W, int H)[] sizes = { (301, 203), (203, 301), (517, 389), (260, 257) };
        for (int s = 0; s < sizes.Length; s++)
        {
            (int w, int h) = sizes[s];
            Directory.CreateDirectory(dir.File("c"));
            TestImages.Jpeg(dir.File($"c/{s}.jpg"), w, h, (x, y) => ((byte)((x * 7 + y * 3) % 256), (byte)((x ^ y) & 255), (byte)(x * y % 251)), quality: 85);
        }
        using IImageDataset data = ImageFolderDataset.Open(dir.Path);
        SameAsWholeDecode(data, new PreprocessPolicy(224, 256));
        SameAsWholeDecode(data, new PreprocessPolicy(224, 232));
        SameAsWholeDecode(data, new PreprocessPolicy(160, 182, ResizeInterpolation.Bicubic));
    }

    [ImageNetSampleFact]
    public void Region_decoding_of_the_ImageNet_sample_equals_whole_decoding()
    {
        using IImageDataset data = DatasetRegistry.Open(new DatasetOptions("imagenet", Path.Combine(SharedData.ImageNetSample, "val")));
        SameAsWholeDecode(data, PreprocessPolicy.ResizeAndCentreCrop(224));
    }
}
