namespace FreqProbe.Core.Datasets;

/// <summary>A decoded 8-bit RGB image, interleaved row-major (H × W × 3).</summary>
public sealed class RgbImage
{
    /// <summary>Wraps interleaved RGB bytes; <paramref name="pixels"/> must hold width·height·3 bytes.</summary>
    public RgbImage(int width, int height, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfNotEqual(pixels.Length, width * height * 3);
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Interleaved RGB bytes, row-major.</summary>
    public byte[] Pixels { get; }

    /// <summary>
    /// Decodes an image file (JPEG, PNG, BMP, WebP, GIF) to RGB as PIL's <c>convert("RGB")</c> does. A truncated,
    /// empty or undecodable file, and one whose header declares more than <paramref name="maxPixels"/> pixels (a
    /// decompression bomb, refused before any pixel is allocated), is a <see cref="BadImageException"/> naming it.
    /// </summary>
    public static RgbImage Load(string path, long maxPixels = ImageFileCheck.DefaultMaxPixels)
    {
        using EncodedImage file = EncodedImage.Open(path, maxPixels);
        return file.ReadRgb();
    }
}
