using SkiaSharp;

namespace FreqProbe.Core.Charts;

/// <summary>A white RGB picture drawn pixel by pixel and written as PNG (SkiaSharp's libpng encoder).</summary>
public sealed class RgbCanvas
{
    readonly byte[] pixels;

    /// <summary>A white canvas of <paramref name="width"/>×<paramref name="height"/> pixels.</summary>
    public RgbCanvas(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        Width = width;
        Height = height;
        pixels = new byte[checked(width * height * 4)];
        pixels.AsSpan().Fill(255);
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Sets pixel (<paramref name="x"/>, <paramref name="y"/>) to an RGB colour.</summary>
    public void Set(int x, int y, byte r, byte g, byte b)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height) throw new ArgumentOutOfRangeException(nameof(x), $"pixel {x},{y} lies outside the {Width}x{Height} canvas");
        int p = (y * Width + x) * 4;
        pixels[p] = r;
        pixels[p + 1] = g;
        pixels[p + 2] = b;
    }

    /// <summary>The picture as PNG bytes.</summary>
    public unsafe byte[] EncodePng()
    {
        var info = new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        fixed (byte* p = pixels)
        {
            using var pixmap = new SKPixmap(info, (IntPtr)p, Width * 4);
            using SKData png = pixmap.Encode(SKEncodedImageFormat.Png, 100) ?? throw new InvalidOperationException("the PNG encoder failed");
            return png.ToArray();
        }
    }

    /// <summary>Writes the picture as a PNG file.</summary>
    public void SavePng(string path) => File.WriteAllBytes(path, EncodePng());
}
