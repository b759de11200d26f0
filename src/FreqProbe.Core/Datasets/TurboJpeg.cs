using System.Runtime.InteropServices;

namespace FreqProbe.Core.Datasets;

/// <summary>
/// The system's TurboJPEG library (<c>libturbojpeg.so.0</c>, Debian's <c>libturbojpeg0</c>), when it is installed:
/// libjpeg-turbo with its SIMD kernels, the library PIL decodes with. SkiaSharp's bundled libjpeg-turbo is built
/// without them and decodes a whole image more slowly (end to end about as fast: it decodes only the crop). Both run libjpeg-turbo's accurate integer IDCT and fancy
/// upsampling, so they give the same bytes (TurboJpegTests checks it); without the system library every JPEG goes
/// through SkiaSharp. TurboJPEG handles are not thread-safe: each thread keeps its own.
/// </summary>
internal static unsafe class TurboJpeg
{
    /// <summary>The library file looked for.</summary>
    public const string Library = "libturbojpeg.so.0";

    // TurboJPEG 2.x constants (turbojpeg.h).
    const int PixelFormatRgbx = 2;
    const int ColourspaceCmyk = 3, ColourspaceYcck = 4;
    const int ErrorFatal = 1;

    static readonly delegate* unmanaged<nint> initDecompress;
    static readonly delegate* unmanaged<nint, byte*, nuint, int*, int*, int*, int*, int> decompressHeader3;
    static readonly delegate* unmanaged<nint, byte*, nuint, byte*, int, int, int, int, int, int> decompress2;
    static readonly delegate* unmanaged<nint, nint> getErrorStr2;
    static readonly delegate* unmanaged<nint, int> getErrorCode;

    [ThreadStatic] static nint handle;

    static TurboJpeg()
    {
        if (Environment.GetEnvironmentVariable("FREQPROBE_NO_TURBOJPEG") is { Length: > 0 }) return;
        if (!NativeLibrary.TryLoad(Library, out nint lib)) return;
        if (!NativeLibrary.TryGetExport(lib, "tjInitDecompress", out nint init)
            || !NativeLibrary.TryGetExport(lib, "tjDecompressHeader3", out nint header)
            || !NativeLibrary.TryGetExport(lib, "tjDecompress2", out nint decompress)
            || !NativeLibrary.TryGetExport(lib, "tjGetErrorStr2", out nint errorText)
            || !NativeLibrary.TryGetExport(lib, "tjGetErrorCode", out nint errorCode))
        {
            return;
        }
        initDecompress = (delegate* unmanaged<nint>)init;
        decompressHeader3 = (delegate* unmanaged<nint, byte*, nuint, int*, int*, int*, int*, int>)header;
        decompress2 = (delegate* unmanaged<nint, byte*, nuint, byte*, int, int, int, int, int, int>)decompress;
        getErrorStr2 = (delegate* unmanaged<nint, nint>)errorText;
        getErrorCode = (delegate* unmanaged<nint, int>)errorCode;
        Available = true;
    }

    /// <summary>Whether the system library was found (and not turned off with <c>FREQPROBE_NO_TURBOJPEG=1</c>).</summary>
    public static bool Available { get; }

    /// <summary>What decodes JPEGs in this process, for provenance and cache keys.</summary>
    public static string Describe() => Available ? $"system libjpeg-turbo ({Library})" : "SkiaSharp's libjpeg-turbo";

    static nint Handle()
    {
        if (handle == 0)
        {
            handle = initDecompress();
            if (handle == 0) throw new InvalidOperationException($"{Library}: tjInitDecompress failed");
        }
        return handle;
    }

    /// <summary>
    /// Decodes the whole JPEG in <paramref name="jpeg"/> to RGBX into <paramref name="rgbx"/> (width·height·4 bytes) and
    /// returns null, or returns why it could not: a CMYK or YCCK image (left to SkiaSharp, which converts it as PIL
    /// does), a header that disagrees with the expected size, or a fatal decoder error. Warnings (extraneous bytes,
    /// corrupt data that libjpeg-turbo recovers from) are accepted, as PIL accepts them.
    /// </summary>
    public static string? Decode(ReadOnlySpan<byte> jpeg, int width, int height, Span<byte> rgbx, out bool tryOther)
    {
        tryOther = false;
        nint h = Handle();
        fixed (byte* source = jpeg)
        fixed (byte* target = rgbx)
        {
            int w, hh, subsampling, colourspace;
            if (decompressHeader3(h, source, (nuint)jpeg.Length, &w, &hh, &subsampling, &colourspace) != 0)
            {
                tryOther = true;
                return Error(h);
            }
            if (colourspace is ColourspaceCmyk or ColourspaceYcck || w != width || hh != height)
            {
                tryOther = true;
                return "not a YCbCr, RGB or grayscale JPEG of the expected size";
            }
            if (rgbx.Length < checked(width * height * 4)) throw new ArgumentException("the pixel buffer is too small", nameof(rgbx));
            if (decompress2(h, source, (nuint)jpeg.Length, target, width, width * 4, height, PixelFormatRgbx, 0) != 0
                && getErrorCode(h) == ErrorFatal)
            {
                return Error(h);
            }
        }
        return null;
    }

    static string Error(nint h) => Marshal.PtrToStringAnsi(getErrorStr2(h)) ?? "unknown TurboJPEG error";
}
