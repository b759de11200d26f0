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

    /// <summary>
    /// Decodes an image file (any format ImageSharp reads). A truncated or undecodable file, and one whose header
    /// declares more than <paramref name="maxPixels"/> pixels (a decompression bomb, refused before any pixel is
    /// allocated), is a <see cref="BadImageException"/> naming it.
    /// </summary>
    public static RgbImage Load(string path, long maxPixels = ImageFileCheck.DefaultMaxPixels)
    {
        try
        {
            // A pipe or device reports no size; it is never opened (reading it would block).
            if (new FileInfo(path).Length == 0) throw new BadImageException(path, "the file is empty (or not a regular file)");
            byte[] bytes = File.ReadAllBytes(path);
            if (ImageFileCheck.Truncation(bytes) is { } truncated) throw new BadImageException(path, truncated);
            ImageInfo info;
            using (var header = new MemoryStream(bytes, writable: false)) info = Image.Identify(header);
            if ((long)info.Width * info.Height > maxPixels)
            {
                long declared = (long)info.Width * info.Height;
                throw new BadImageException(path, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"its header declares {info.Width}x{info.Height} = {declared} pixels, more than the limit of {maxPixels} (a decompression bomb, or a huge image; raise --max-image-pixels to allow it)"));
            }
            using Image<Rgb24> image = Image.Load<Rgb24>(bytes);
            var pixels = new byte[image.Width * image.Height * 3];
            image.CopyPixelDataTo(pixels);
            return new RgbImage(image.Width, image.Height, pixels);
        }
        catch (Exception e) when (e is ImageFormatException or UnknownImageFormatException or NotSupportedException or InvalidDataException or IOException
                                  or UnauthorizedAccessException)
        {
            throw new BadImageException(path, e is UnknownImageFormatException ? "not an image in a format FreqProbe reads (JPEG, PNG, BMP, WebP, GIF, TIFF)" : e.Message, e);
        }
    }
}
