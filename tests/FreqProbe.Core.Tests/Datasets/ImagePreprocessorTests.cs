using System.Text.Json;
using FreqProbe.Core.Datasets;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Core.Tests.Datasets;

public sealed class ImagePreprocessorTests
{
    static readonly JsonElement Pil = JsonDocument.Parse(File.ReadAllText(SharedData.Fixture("resize_pil.json"))).RootElement;

    static RgbImage Source(string name)
    {
        JsonElement e = Pil.GetProperty(name);
        return new RgbImage(e.GetProperty("width").GetInt32(), e.GetProperty("height").GetInt32(), e.GetProperty("rgb").EnumerateArray().Select(v => (byte)v.GetInt32()).ToArray());
    }

    static byte[] Bytes(JsonElement e) => e.EnumerateArray().Select(v => (byte)v.GetInt32()).ToArray();

    [Theory]
    [InlineData("bilinear 20x29")]
    [InlineData("bilinear 31x11")]
    [InlineData("bilinear 53x16")]
    [InlineData("bilinear 90x64")]
    [InlineData("bilinear 7x5")]
    [InlineData("bicubic 20x29")]
    [InlineData("bicubic 31x11")]
    [InlineData("bicubic 53x16")]
    [InlineData("bicubic 90x64")]
    [InlineData("bicubic 7x5")]
    public void Resizing_equals_PIL_byte_for_byte(string name)
    {
        // The other filter must not pass, or the test could not tell them apart.
        string[] parts = name.Split(' ');
        int w = int.Parse(parts[1].Split('x')[0], System.Globalization.CultureInfo.InvariantCulture);
        int h = int.Parse(parts[1].Split('x')[1], System.Globalization.CultureInfo.InvariantCulture);
        var interpolation = parts[0] == "bicubic" ? ResizeInterpolation.Bicubic : ResizeInterpolation.Bilinear;
        RgbImage source = Source("source");
        var output = new byte[w * h * 3];
        InputPlan.Resize(source.Width, source.Height, w, h, interpolation).Run(source.Pixels, 3, source.Width * 3, 0, 0, output);
        byte[] expected = Bytes(Pil.GetProperty("resized").GetProperty(name));
        Assert.Equal(expected, output);
        var other = new byte[w * h * 3];
        InputPlan.Resize(source.Width, source.Height, w, h, 1 - interpolation).Run(source.Pixels, 3, source.Width * 3, 0, 0, other);
        Assert.NotEqual(expected, other);
    }

    [Theory]
    [InlineData(64, 56)]
    [InlineData(40, 40)]
    public void Resize_and_centre_crop_equal_torchvisions_PIL_transform_byte_for_byte(int shorter, int crop)
    {
        RgbImage source = Source("crop_source");
        var output = new byte[crop * crop * 3];
        ImagePreprocessor.Apply(source, new PreprocessPolicy(crop, shorter), output);
        Assert.Equal(Bytes(Pil.GetProperty("crops").GetProperty($"{shorter} {crop}")), output);
    }

    [Fact]
    public void A_region_decoded_alone_gives_the_same_input_as_the_whole_image()
    {
        // What the plan reads of a RGBA region placed at its origin equals what it reads of the whole RGB image.
        RgbImage source = Source("crop_source");
        var policy = new PreprocessPolicy(56, 64);
        InputPlan plan = InputPlan.For(source.Width, source.Height, policy);
        Assert.True(plan.Width < source.Width, "the crop should need fewer columns than the image has");
        var region = new byte[plan.Width * plan.Height * 4];
        for (int y = 0; y < plan.Height; y++)
        {
            for (int x = 0; x < plan.Width; x++)
            {
                for (int c = 0; c < 3; c++) region[(y * plan.Width + x) * 4 + c] = source.Pixels[((plan.Top + y) * source.Width + plan.Left + x) * 3 + c];
            }
        }
        var fromRegion = new byte[56 * 56 * 3];
        plan.Run(region, 4, plan.Width * 4, plan.Left, plan.Top, fromRegion);
        var whole = new byte[56 * 56 * 3];
        ImagePreprocessor.Apply(source, policy, whole);
        Assert.Equal(whole, fromRegion);
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
