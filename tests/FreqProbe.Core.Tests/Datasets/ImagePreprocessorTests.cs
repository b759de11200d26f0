using System.Text.Json;
using FreqProbe.Core.Datasets;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Core.Tests.Datasets;

public sealed class ImagePreprocessorTests
{
    [Theory]
    [InlineData("20x29")]
    [InlineData("64x90")]
    [InlineData("37x16")]
    public void Antialiased_bilinear_resize_matches_torch(string size)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(SharedData.Fixture("resize_antialias.json")));
        float[] source = ParityFixture.Flatten(doc.RootElement.GetProperty("source"));
        float[] expected = ParityFixture.Flatten(doc.RootElement.GetProperty("outputs").GetProperty(size));
        int h = int.Parse(size.Split('x')[0], System.Globalization.CultureInfo.InvariantCulture);
        int w = int.Parse(size.Split('x')[1], System.Globalization.CultureInfo.InvariantCulture);
        float[] actual = ImagePreprocessor.Resize(source, 53, 37, w, h);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-5, $"{size} [{i}]: {actual[i]} vs torch {expected[i]}");
    }

    [Theory]
    [InlineData("12x17")]
    [InlineData("40x57")]
    [InlineData("23x9")]
    public void Antialiased_bicubic_resize_matches_torch(string size)
    {
        JsonElement bicubic = TorchScriptFixtures.Root.GetProperty("bicubic");
        float[] source = ParityFixture.Flatten(bicubic.GetProperty("source"));
        float[] expected = ParityFixture.Flatten(bicubic.GetProperty("outputs").GetProperty(size));
        int h = int.Parse(size.Split('x')[0], System.Globalization.CultureInfo.InvariantCulture);
        int w = int.Parse(size.Split('x')[1], System.Globalization.CultureInfo.InvariantCulture);
        float[] actual = ImagePreprocessor.Resize(source, 31, 23, w, h, ResizeInterpolation.Bicubic);
        float[] bilinear = ImagePreprocessor.Resize(source, 31, 23, w, h);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-5, $"{size} [{i}]: {actual[i]} vs torch {expected[i]}");
        Assert.True(expected.Zip(bilinear, (e, b) => Math.Abs(e - b)).Max() > 1e-4, "the bilinear filter should not pass for bicubic");
    }

    [Fact]
    public void Bicubic_overshoot_is_clamped_to_the_unit_range_as_PIL_clamps_bytes()
    {
        // A hard edge: cubic taps ring below 0 and above 1 next to it.
        var planes = new float[3 * 8 * 16];
        for (int c = 0; c < 3; c++) for (int y = 0; y < 8; y++) for (int x = 8; x < 16; x++) planes[(c * 8 + y) * 16 + x] = 1;
        float[] up = ImagePreprocessor.Resize(planes, 16, 8, 40, 8, ResizeInterpolation.Bicubic);
        Assert.Equal(0f, up.Min());
        Assert.Equal(1f, up.Max());
        Assert.Contains(up, v => v is > 0 and < 1);
    }

    [Fact]
    public void ImageNet_policy_resizes_the_shorter_side_to_256_and_centre_crops_224()
    {
        // A 512x300 image whose column index is encoded in red: after resize (300 -> 256, 512 -> 436) and a centre
        // crop, the crop starts at column round((436 - 224) / 2) = 106 of the resized image.
        var pixels = new byte[512 * 300 * 3];
        for (int y = 0; y < 300; y++)
        {
            for (int x = 0; x < 512; x++) pixels[(y * 512 + x) * 3] = (byte)(x / 2);
        }
        var output = new float[3 * 224 * 224];
        ImagePreprocessor.Apply(new RgbImage(512, 300, pixels), PreprocessPolicy.ResizeAndCentreCrop(224), output);
        double scale = 512.0 / 436;
        double expectedFirstColumn = (106 + 0.5) * scale - 0.5; // source column at the centre of resized column 106
        Assert.Equal(expectedFirstColumn / 2 / 255, output[112 * 224], 2);
        Assert.Equal(256, PreprocessPolicy.ResizeAndCentreCrop(224).ResizeShorter);
    }

    [Fact]
    public void Native_policy_scales_bytes_to_unit_range_planar()
    {
        var pixels = new byte[32 * 32 * 3];
        pixels[0] = 255;
        pixels[4] = 51;
        var output = new float[3 * 32 * 32];
        ImagePreprocessor.Apply(new RgbImage(32, 32, pixels), PreprocessPolicy.Native(32), output);
        Assert.Equal(1f, output[0]);
        Assert.Equal(0.2f, output[1024 + 1], 6);
    }
}
