using System.Text.Json;
using FreqProbe.Core.Datasets;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Core.Tests.Datasets;

/// <summary>
/// Decoding the kinds of file a folder of photos holds, against what torchvision's evaluation sees of them through PIL
/// (<c>Image.open(f).convert("RGB")</c>; files and expectations by scripts/make_image_fixtures.py).
/// </summary>
public sealed class UnusualImageTests
{
    static readonly JsonElement Root = JsonDocument.Parse(File.ReadAllText(SharedData.Fixture("images/expected.json"))).RootElement;

    static (byte[] Expected, RgbImage Actual) Decode(string name, string field = "rgb", string? path = null)
    {
        JsonElement entry = Root.GetProperty("images").GetProperty(name);
        byte[] expected = entry.GetProperty(field).EnumerateArray().Select(e => (byte)e.GetInt32()).ToArray();
        RgbImage actual = RgbImage.Load(path ?? SharedData.Fixture("images/" + name));
        Assert.Equal(Root.GetProperty("width").GetInt32(), actual.Width);
        Assert.Equal(Root.GetProperty("height").GetInt32(), actual.Height);
        return (expected, actual);
    }

    static (int Max, double Mean) Difference(byte[] expected, byte[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        int[] d = expected.Zip(actual, (e, a) => Math.Abs(e - a)).ToArray();
        return (d.Max(), d.Average());
    }

    [Theory]
    [InlineData("palette.png")]
    [InlineData("rgb.png")]
    [InlineData("rgba.png")]
    public void Lossless_files_decode_exactly_as_PIL_converts_them(string name)
    {
        (byte[] expected, RgbImage actual) = Decode(name);
        Assert.Equal(expected, actual.Pixels);
    }

    [Fact]
    public void A_png_named_JPEG_is_decoded_by_its_contents()
    {
        using var folder = new TempDirectory();
        string named = folder.File("n01440764_10043.JPEG");
        File.Copy(SharedData.Fixture("images/rgb.png"), named);
        (byte[] expected, RgbImage actual) = Decode("rgb.png", path: named);
        Assert.Equal(expected, actual.Pixels);
    }

    [Theory]
    [InlineData("gray.jpg")]
    [InlineData("progressive.jpg")]
    [InlineData("exif-orientation-6.jpg")]
    [InlineData("cmyk.jpg")]
    public void Jpegs_decode_exactly_as_PIL_converts_them_and_EXIF_orientation_is_not_applied(string name)
    {
        // PIL links libjpeg-turbo, as both of FreqProbe's JPEG paths do (TurboJpegTests: they agree), with the same
        // accurate integer IDCT and fancy upsampling: the bytes match.
        (byte[] expected, RgbImage actual) = Decode(name);
        (int max, double mean) = Difference(expected, actual.Pixels);
        Assert.True(max == 0, $"{name}: max {max} levels, mean {mean:0.000} from PIL");
    }

    [Fact]
    public void A_16_bit_png_is_scaled_to_8_bits_where_PIL_would_clip_it_white()
    {
        (byte[] scaled, RgbImage actual) = Decode("gray16.png", "scaled");
        Assert.Equal(scaled, actual.Pixels);
        byte[] pil = Root.GetProperty("images").GetProperty("gray16.png").GetProperty("rgb").EnumerateArray().Select(e => (byte)e.GetInt32()).ToArray();
        Assert.True(pil.Count(v => v == 255) > pil.Length * 0.9, "the fixture should show PIL's clipping");
    }
}
