using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

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

    /// <summary>Decodes an image file (any format ImageSharp reads); an undecodable file is a <see cref="BadImageException"/> naming it.</summary>
    public static RgbImage Load(string path)
    {
        try
        {
            using Image<Rgb24> image = Image.Load<Rgb24>(path);
            var pixels = new byte[image.Width * image.Height * 3];
            image.CopyPixelDataTo(pixels);
            return new RgbImage(image.Width, image.Height, pixels);
        }
        catch (Exception e) when (e is ImageFormatException or UnknownImageFormatException or NotSupportedException or InvalidDataException or IOException)
        {
            throw new BadImageException(path, e.Message, e);
        }
    }
}
