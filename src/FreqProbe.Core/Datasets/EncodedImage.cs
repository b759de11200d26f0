using System.Buffers;
using System.Globalization;
using SkiaSharp;

namespace FreqProbe.Core.Datasets;

/// <summary>
/// An image file opened for decoding with SkiaSharp (libjpeg-turbo, libpng, libwebp, giflib inside), JPEGs with the
/// system's SIMD libjpeg-turbo when it is installed (<see cref="TurboJpeg"/>): its header is read and checked, no pixel
/// is decoded yet. Pixels come out as unpremultiplied RGBA bytes with no colour management, as
/// PIL decodes (it ignores ICC profiles and EXIF orientation): grayscale is replicated, palettes expanded, alpha kept
/// raw and CMYK converted as PIL converts Adobe CMYK. Without the system library a JPEG is decoded for a region only:
/// its columns are cropped inside libjpeg-turbo, rows above it are skipped and rows below it never decoded, with the
/// same pixels as a whole decode.
/// </summary>
internal sealed class EncodedImage : IDisposable
{
    /// <summary>The formats the decoder reads, for messages.</summary>
    public const string Formats = "JPEG, PNG, BMP, WebP, GIF";

    readonly byte[] bytes;
    readonly SKData data;
    readonly SKCodec codec;
    readonly JpegDecoder jpegDecoder;

    EncodedImage(string path, byte[] bytes, SKData data, SKCodec codec, JpegDecoder jpegDecoder)
    {
        Path = path;
        this.bytes = bytes;
        this.data = data;
        this.jpegDecoder = jpegDecoder;
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
    public static EncodedImage Open(string path, long maxPixels, JpegDecoder jpegDecoder = JpegDecoder.Fastest)
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
        var image = new EncodedImage(path, bytes, data, codec, jpegDecoder);
        long declared = (long)image.Width * image.Height;
        if (declared > maxPixels)
        {
            image.Dispose();
            throw new BadImageException(path, string.Create(CultureInfo.InvariantCulture,
                $"its header declares {image.Width}x{image.Height} = {declared} pixels, more than the limit of {maxPixels} (a decompression bomb, or a huge image; raise --max-image-pixels to allow it)"));
        }
        return image;
    }

    /// <summary>
    /// Pixels covering at least the given region, 4 bytes each (RGB and alpha, or RGB and a filler byte): the whole image
    /// when the decoder decodes it whole anyway, so that nothing is copied. Dispose the result to return its buffer.
    /// </summary>
    public PixelRegion ReadRegion(int left, int top, int width, int height)
    {
        if (left < 0 || top < 0 || width < 1 || height < 1 || left + width > Width || top + height > Height)
        {
            throw new ArgumentOutOfRangeException(nameof(left), $"region {left},{top} {width}x{height} lies outside the {Width}x{Height} image");
        }
        if (codec.EncodedFormat == SKEncodedImageFormat.Jpeg)
        {
            if (jpegDecoder == JpegDecoder.Fastest && TurboJpeg.Available)
            {
                byte[] all = ArrayPool<byte>.Shared.Rent(checked(Width * Height * 4));
                string? error = TurboJpeg.Decode(bytes, Width, Height, all, out bool tryOther);
                if (error is null) return new PixelRegion(all, Width * 4, 0, 0);
                ArrayPool<byte>.Shared.Return(all);
                if (!tryOther) throw new BadImageException(Path, $"its image data is corrupt ({error})");
            }
            if (ReadJpegRegion(left, top, width, height) is { } region) return region;
        }
        byte[] whole = ArrayPool<byte>.Shared.Rent(checked(Width * Height * 4));
        try
        {
            Decode(Info, whole);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(whole);
            throw;
        }
        return new PixelRegion(whole, Width * 4, 0, 0);
    }

    /// <summary>The whole image as interleaved RGB.</summary>
    public RgbImage ReadRgb()
    {
        using PixelRegion all = ReadRegion(0, 0, Width, Height);
        var rgb = new byte[Width * Height * 3];
        for (int y = 0; y < Height; y++)
        {
            ReadOnlySpan<byte> row = all.Pixels.AsSpan(y * all.RowStride, Width * 4);
            Span<byte> target = rgb.AsSpan(y * Width * 3, Width * 3);
            for (int x = 0; x < Width; x++)
            {
                target[3 * x] = row[4 * x];
                target[3 * x + 1] = row[4 * x + 1];
                target[3 * x + 2] = row[4 * x + 2];
            }
        }
        return new RgbImage(Width, Height, rgb);
    }

    SKImageInfo Info => new(Width, Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);

    unsafe void Decode(SKImageInfo info, byte[] pixels)
    {
        SKCodecResult result;
        fixed (byte* p = pixels) result = codec.GetPixels(info, (IntPtr)p);
        if (result != SKCodecResult.Success) throw new BadImageException(Path, Failure(result));
    }

    // Scanline decoding with an x-subset: libjpeg-turbo crops the columns (jpeg_crop_scanline) and skips the rows above.
    // Chroma upsampling at the edges of a cropped or skipped region sees other neighbours than in a whole decode, so the
    // region is widened by a margin of whole MCUs on every side and only its inside is used: the same bytes as a whole
    // decode (RegionDecodeTests checks it).
    const int Margin = 16;

    unsafe PixelRegion? ReadJpegRegion(int left, int top, int width, int height)
    {
        int x0 = Math.Max(0, left - Margin), x1 = Math.Min(Width, left + width + Margin);
        int y0 = Math.Max(0, top - Margin), y1 = Math.Min(Height, top + height + Margin);
        int wide = x1 - x0;
        var options = new SKCodecOptions(SKRectI.Create(x0, 0, wide, Height));
        if (codec.StartScanlineDecode(Info, options) != SKCodecResult.Success || codec.ScanlineOrder != SKCodecScanlineOrder.TopDown) return null;
        if (y0 > 0 && !codec.SkipScanlines(y0)) throw new BadImageException(Path, $"its image data ends before row {y0}");
        byte[] decoded = ArrayPool<byte>.Shared.Rent(checked(wide * (y1 - y0) * 4));
        int rows;
        fixed (byte* p = decoded) rows = codec.GetScanlines((IntPtr)p, y1 - y0, wide * 4);
        if (rows != y1 - y0)
        {
            ArrayPool<byte>.Shared.Return(decoded);
            throw new BadImageException(Path, $"its image data ends after row {y0 + rows} of {Height}");
        }
        return new PixelRegion(decoded, wide * 4, x0, y0);
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

/// <summary>Which library decodes JPEGs: the fastest available, or SkiaSharp's always (for tests comparing the two).</summary>
internal enum JpegDecoder
{
    /// <summary>The system libjpeg-turbo when it is installed, SkiaSharp's otherwise.</summary>
    Fastest,

    /// <summary>SkiaSharp's bundled libjpeg-turbo.</summary>
    Skia,
}

/// <summary>
/// Decoded pixels covering a region of an image, 4 bytes a pixel, <see cref="RowStride"/> bytes a row; the buffer's
/// first pixel is the image's pixel (<see cref="OriginX"/>, <see cref="OriginY"/>). Disposing returns the pooled buffer.
/// </summary>
internal readonly struct PixelRegion(byte[] pixels, int rowStride, int originX, int originY) : IDisposable
{
    /// <summary>The pixels (a pooled buffer, possibly longer than needed).</summary>
    public byte[] Pixels { get; } = pixels;

    /// <summary>Bytes per row.</summary>
    public int RowStride { get; } = rowStride;

    /// <summary>The image column of the buffer's first column.</summary>
    public int OriginX { get; } = originX;

    /// <summary>The image row of the buffer's first row.</summary>
    public int OriginY { get; } = originY;

    /// <inheritdoc />
    public void Dispose() => ArrayPool<byte>.Shared.Return(Pixels);
}

/// <summary>Which libraries decode images in this process.</summary>
public static class ImageDecoders
{
    /// <summary>For provenance and cache keys: the SkiaSharp version and what decodes JPEGs.</summary>
    public static readonly string Description = $"SkiaSharp {typeof(SKCodec).Assembly.GetName().Version}; JPEG by {TurboJpeg.Describe()}";

    /// <summary>Whether JPEGs decode with the system's SIMD libjpeg-turbo (<see cref="SystemJpegLibrary"/>).</summary>
    public static bool SystemJpeg => TurboJpeg.Available;

    /// <summary>The system library used for JPEGs when it is installed.</summary>
    public const string SystemJpegLibrary = TurboJpeg.Library;
}
