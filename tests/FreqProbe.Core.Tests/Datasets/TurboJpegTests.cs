using FreqProbe.Core.Datasets;
using FreqProbe.Core.Tests.Support;
using SkiaSharp;

namespace FreqProbe.Core.Tests.Datasets;

/// <summary>Runs only where the system's TurboJPEG library is installed (Debian: <c>apt-get install libturbojpeg0</c>).</summary>
public sealed class TurboJpegFactAttribute : FactAttribute
{
    public TurboJpegFactAttribute()
    {
        if (!TurboJpeg.Available) Skip = $"{TurboJpeg.Library} is not installed (or FREQPROBE_NO_TURBOJPEG is set): JPEGs decode with SkiaSharp only";
    }
}

/// <summary>Runs where TurboJPEG is installed and the ImageNet sample is in ../shared/data; skips saying which is missing.</summary>
public sealed class TurboJpegImageNetFactAttribute : FactAttribute
{
    public TurboJpegImageNetFactAttribute()
    {
        Skip = new TurboJpegFactAttribute().Skip ?? new ImageNetSampleFactAttribute().Skip;
    }
}

/// <summary>
/// JPEGs decode with the system libjpeg-turbo where it is installed and with SkiaSharp's otherwise: the two must give
/// the same bytes, or results would depend on the machine.
/// </summary>
public sealed class TurboJpegTests
{
    static void SameBytes(string path)
    {
        using EncodedImage fast = EncodedImage.Open(path, ImageFileCheck.DefaultMaxPixels, JpegDecoder.Fastest);
        using EncodedImage skia = EncodedImage.Open(path, ImageFileCheck.DefaultMaxPixels, JpegDecoder.Skia);
        RgbImage a = fast.ReadRgb(), b = skia.ReadRgb();
        Assert.Equal((b.Width, b.Height), (a.Width, a.Height));
        int differing = a.Pixels.Zip(b.Pixels).Count(p => p.First != p.Second);
        Assert.True(differing == 0, $"{path}: {differing} of {a.Pixels.Length} bytes differ between the system libjpeg-turbo and SkiaSharp's");
    }

    static void Write(string path, int width, int height, SKJpegEncoderDownsample downsample, bool gray)
    {
        var colour = gray ? SKColorType.Gray8 : SKColorType.Rgba8888;
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, colour, SKAlphaType.Opaque));
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                // Smooth ramps, a sharp diagonal edge and fine texture: chroma upsampling and the IDCT both show.
                bool edge = x * height > y * width;
                bitmap.SetPixel(x, y, new SKColor((byte)(x * 255 / width), (byte)(edge ? 230 : 20), (byte)((x ^ y) * 3)));
            }
        }
        using SKPixmap pixmap = bitmap.PeekPixels() ?? throw new InvalidOperationException("no pixels");
        using SKData data = pixmap.Encode(new SKJpegEncoderOptions(88, downsample, SKJpegEncoderAlphaOption.Ignore)) ?? throw new InvalidOperationException("cannot encode a JPEG");
        File.WriteAllBytes(path, data.ToArray());
    }

    [TurboJpegFact]
    public void Both_decoders_give_the_same_bytes_for_every_chroma_subsampling_and_grayscale()
    {
        using var dir = new TempDirectory();
        var cases = new (SKJpegEncoderDownsample Downsample, bool Gray)[]
        {
            (SKJpegEncoderDownsample.Downsample420, false), (SKJpegEncoderDownsample.Downsample422, false),
            (SKJpegEncoderDownsample.Downsample444, false), (SKJpegEncoderDownsample.Downsample444, true),
        };
        foreach ((SKJpegEncoderDownsample downsample, bool gray) in cases)
        {
            foreach ((int w, int h) in new[] { (301, 203), (64, 517), (17, 9) })
            {
                string path = dir.File($"{downsample}-{gray}-{w}x{h}.jpg");
                Write(path, w, h, downsample, gray);
                SameBytes(path);
            }
        }
    }

    [TurboJpegFact]
    public void Both_decoders_give_the_same_bytes_for_the_fixture_jpegs()
    {
        foreach (string name in new[] { "gray.jpg", "progressive.jpg", "exif-orientation-6.jpg", "cmyk.jpg" }) SameBytes(SharedData.Fixture("images/" + name));
    }

    [TurboJpegImageNetFact]
    [Trait("Speed", "slow")]
    public void Both_decoders_give_the_same_bytes_for_the_ImageNet_sample()
    {
        foreach (string path in Directory.GetFiles(Path.Combine(SharedData.ImageNetSample, "val"), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)) SameBytes(path);
    }

    [TurboJpegFact]
    public void Corrupt_entropy_data_gets_the_same_answer_from_both_decoders()
    {
        using var dir = new TempDirectory();
        string path = dir.File("corrupt.jpg");
        Write(path, 301, 203, SKJpegEncoderDownsample.Downsample420, false);
        byte[] bytes = File.ReadAllBytes(path);
        var random = new Random(5);
        for (int i = bytes.Length / 2; i < bytes.Length / 2 + 40; i++) bytes[i] = (byte)random.Next(256);
        File.WriteAllBytes(path, bytes);
        string? Outcome(JpegDecoder decoder)
        {
            try
            {
                using EncodedImage image = EncodedImage.Open(path, ImageFileCheck.DefaultMaxPixels, decoder);
                return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(image.ReadRgb().Pixels));
            }
            catch (BadImageException e)
            {
                Assert.Contains(path, e.Message);
                return "refused";
            }
        }
        Assert.Equal(Outcome(JpegDecoder.Skia), Outcome(JpegDecoder.Fastest));
    }
}
