using SkiaSharp;

namespace FreqProbe.Core.Tests.Support;

/// <summary>Image files made in tests, and their sizes read back, with SkiaSharp (the decoder FreqProbe uses).</summary>
public static class TestImages
{
    /// <summary>Writes a <paramref name="width"/>×<paramref name="height"/> PNG whose pixel (x, y) is <paramref name="colour"/>(x, y).</summary>
    public static void Png(string path, int width, int height, Func<int, int, (byte R, byte G, byte B)> colour) =>
        File.WriteAllBytes(path, Encode(width, height, colour, SKEncodedImageFormat.Png, 100));

    /// <summary>A PNG of one colour.</summary>
    public static void Png(string path, int width, int height, (byte R, byte G, byte B) colour) => Png(path, width, height, (_, _) => colour);

    /// <summary>Writes a baseline JPEG (quality <paramref name="quality"/>).</summary>
    public static void Jpeg(string path, int width, int height, Func<int, int, (byte R, byte G, byte B)> colour, int quality = 90) =>
        File.WriteAllBytes(path, Encode(width, height, colour, SKEncodedImageFormat.Jpeg, quality));

    /// <summary>The width and height an image file's header declares.</summary>
    public static (int Width, int Height) Size(string path)
    {
        using SKCodec codec = SKCodec.Create(path) ?? throw new InvalidDataException($"{path} is not an image");
        return (codec.Info.Width, codec.Info.Height);
    }

    static byte[] Encode(int width, int height, Func<int, int, (byte R, byte G, byte B)> colour, SKEncodedImageFormat format, int quality)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                (byte r, byte g, byte b) = colour(x, y);
                bitmap.SetPixel(x, y, new SKColor(r, g, b));
            }
        }
        using SKData data = bitmap.Encode(format, quality) ?? throw new InvalidOperationException($"cannot encode {format}");
        return data.ToArray();
    }
}
