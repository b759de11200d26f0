using System.Globalization;
using SkiaSharp;

namespace FreqProbe.Core.Datasets;

/// <summary>
/// An image file opened for decoding with SkiaSharp (libjpeg-turbo, libpng, libwebp, giflib inside): its header is read
/// and checked, no pixel is decoded yet. Pixels come out as unpremultiplied RGBA bytes with no colour management, as
/// PIL decodes (it ignores ICC profiles and EXIF orientation): grayscale is replicated, palettes expanded, alpha kept
/// raw and CMYK converted as PIL converts Adobe CMYK. A JPEG can be decoded for a region only: its columns are cropped
/// inside libjpeg-turbo, rows above it are skipped and rows below it never decoded, with the same pixels as a whole
/// decode.
/// </summary>
internal sealed class EncodedImage : IDisposable
{
    /// <summary>The formats the decoder reads, for messages.</summary>
    public const string Formats = "JPEG, PNG, BMP, WebP, GIF";

    readonly SKData data;
    readonly SKCodec codec;

    EncodedImage(string path, SKData data, SKCodec codec)
    {
        Path = path;
        this.data = data;
        this.codec = codec;
        Width = codec.Info.Width;
        Height = codec.Info.Height;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Width from the header.</summary>
    public int Width { get; }

    /// <summary>Height from the header.</summary>
    public int Height { get; }

    /// <summary>
    /// Opens <paramref name="path"/>. An empty, truncated or undecodable file, and one whose header declares more than
    /// <paramref name="maxPixels"/> pixels (a decompression bomb, refused before any pixel is allocated), is a
    /// <see cref="BadImageException"/> naming it.
    /// </summary>
    public static EncodedImage Open(string path, long maxPixels)
    {
        byte[] bytes;
        try
        {
            // A pipe or device reports no size; it is never opened (reading it would block).
            if (new FileInfo(path).Length == 0) throw new BadImageException(path, "the file is empty (or not a regular file)");
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BadImageException(path, e.Message, e);
        }
        if (ImageFileCheck.Truncation(bytes) is { } truncated) throw new BadImageException(path, truncated);
        SKData data = SKData.CreateCopy(bytes);
        SKCodec? codec = SKCodec.Create(new SKMemoryStream(data), out SKCodecResult result);
        if (codec is null)
        {
            data.Dispose();
            throw new BadImageException(path, result == SKCodecResult.Unimplemented || result == SKCodecResult.InvalidInput
                ? $"not an image in a format FreqProbe reads ({Formats})"
                : $"the decoder refused its header ({result})");
        }
        var image = new EncodedImage(path, data, codec);
        long declared = (long)image.Width * image.Height;
        if (declared > maxPixels)
        {
            image.Dispose();
            throw new BadImageException(path, string.Create(CultureInfo.InvariantCulture,
                $"its header declares {image.Width}x{image.Height} = {declared} pixels, more than the limit of {maxPixels} (a decompression bomb, or a huge image; raise --max-image-pixels to allow it)"));
        }
        return image;
    }

    /// <summary>The region's pixels as RGBA bytes, <paramref name="width"/>·4 bytes a row.</summary>
    public byte[] ReadRgba(int left, int top, int width, int height)
    {
        if (left < 0 || top < 0 || width < 1 || height < 1 || left + width > Width || top + height > Height)
        {
            throw new ArgumentOutOfRangeException(nameof(left), $"region {left},{top} {width}x{height} lies outside the {Width}x{Height} image");
        }
        var info = new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var pixels = new byte[checked(width * height * 4)];
        if (codec.EncodedFormat == SKEncodedImageFormat.Jpeg && ReadJpegRegion(info, left, top, width, height, pixels)) return pixels;
        if (left == 0 && top == 0 && width == Width && height == Height)
        {
            Decode(info, pixels);
            return pixels;
        }
        var whole = new byte[checked(Width * Height * 4)];
        Decode(info, whole);
        for (int y = 0; y < height; y++) whole.AsSpan(((top + y) * Width + left) * 4, width * 4).CopyTo(pixels.AsSpan(y * width * 4));
        return pixels;
    }

    /// <summary>The whole image as interleaved RGB.</summary>
    public RgbImage ReadRgb()
    {
        byte[] rgba = ReadRgba(0, 0, Width, Height);
        var rgb = new byte[Width * Height * 3];
        for (int p = 0, q = 0; p < rgb.Length; p += 3, q += 4)
        {
            rgb[p] = rgba[q];
            rgb[p + 1] = rgba[q + 1];
            rgb[p + 2] = rgba[q + 2];
        }
        return new RgbImage(Width, Height, rgb);
    }

    unsafe void Decode(SKImageInfo info, byte[] pixels)
    {
        SKCodecResult result;
        fixed (byte* p = pixels) result = codec.GetPixels(info, (IntPtr)p);
        if (result != SKCodecResult.Success) throw new BadImageException(Path, Failure(result));
    }

    // Scanline decoding with an x-subset: libjpeg-turbo crops the columns (jpeg_crop_scanline) and skips the rows above.
    // Chroma upsampling at the edges of a cropped or skipped region sees other neighbours than in a whole decode, so the
    // region is widened by a margin of whole MCUs on every side and only its inside is kept: the same bytes as a whole
    // decode (RegionDecodeTests checks it).
    const int Margin = 16;

    unsafe bool ReadJpegRegion(SKImageInfo info, int left, int top, int width, int height, byte[] pixels)
    {
        int x0 = Math.Max(0, left - Margin), x1 = Math.Min(Width, left + width + Margin);
        int y0 = Math.Max(0, top - Margin), y1 = Math.Min(Height, top + height + Margin);
        int wide = x1 - x0;
        var options = new SKCodecOptions(SKRectI.Create(x0, 0, wide, Height));
        if (codec.StartScanlineDecode(info, options) != SKCodecResult.Success || codec.ScanlineOrder != SKCodecScanlineOrder.TopDown) return false;
        if (y0 > 0 && !codec.SkipScanlines(y0)) throw new BadImageException(Path, $"its image data ends before row {y0}");
        var decoded = new byte[checked(wide * (y1 - y0) * 4)];
        int rows;
        fixed (byte* p = decoded) rows = codec.GetScanlines((IntPtr)p, y1 - y0, wide * 4);
        if (rows != y1 - y0) throw new BadImageException(Path, $"its image data ends after row {y0 + rows} of {Height}");
        for (int y = 0; y < height; y++) decoded.AsSpan(((top - y0 + y) * wide + left - x0) * 4, width * 4).CopyTo(pixels.AsSpan(y * width * 4));
        return true;
    }

    static string Failure(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput => "its image data is incomplete",
        SKCodecResult.ErrorInInput => "its image data is corrupt",
        SKCodecResult.InvalidConversion => "its pixel format cannot be converted to RGB",
        _ => $"the decoder failed ({result})",
    };

    /// <inheritdoc />
    public void Dispose()
    {
        codec.Dispose();
        data.Dispose();
    }
}
