// Decode throughput per thread on an image folder: SkiaSharp (libjpeg-turbo) against SixLabors.ImageSharp 4.1.3, both
// to interleaved RGB bytes, and SkiaSharp's own resize of the shorter side to 256 with a 224 centre crop. One thread,
// every file once as warm-up, then the median of 3 passes. Usage: dotnet run -c Debug -- DIR
using System.Diagnostics;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SkiaSharp;

string folder = args.Length > 0 ? args[0] : "../../../shared/data/imagenet-sample/val";
string[] files = Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
byte[][] bytes = files.Select(File.ReadAllBytes).ToArray();

static byte[] ImageSharpRgb(byte[] data)
{
    using Image<Rgb24> image = SixLabors.ImageSharp.Image.Load<Rgb24>(data);
    var pixels = new byte[image.Width * image.Height * 3];
    image.CopyPixelDataTo(pixels);
    return pixels;
}

static byte[] SkiaRgb(byte[] data, out int width, out int height)
{
    using SKCodec codec = SKCodec.Create(new SKMemoryStream(data)) ?? throw new InvalidDataException("undecodable");
    using SKBitmap bitmap = SKBitmap.Decode(codec, new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
    width = bitmap.Width;
    height = bitmap.Height;
    ReadOnlySpan<byte> rgba = bitmap.GetPixelSpan();
    var rgb = new byte[width * height * 3];
    for (int p = 0, q = 0; p < rgb.Length; p += 3, q += 4)
    {
        rgb[p] = rgba[q];
        rgb[p + 1] = rgba[q + 1];
        rgb[p + 2] = rgba[q + 2];
    }
    return rgb;
}

static SKBitmap SkiaResizeCrop(byte[] data)
{
    using SKBitmap bitmap = SKBitmap.Decode(data);
    (int w, int h) = bitmap.Width <= bitmap.Height ? (256, (int)(256L * bitmap.Height / bitmap.Width)) : ((int)(256L * bitmap.Width / bitmap.Height), 256);
    using SKBitmap resized = bitmap.Resize(new SKImageInfo(w, h), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear))!;
    var crop = new SKBitmap(224, 224);
    resized.ExtractSubset(crop, SKRectI.Create((w - 224) / 2, (h - 224) / 2, 224, 224));
    return crop;
}

double Measure(string name, Action<byte[]> decode)
{
    foreach (byte[] b in bytes) decode(b);
    var times = new List<double>();
    for (int r = 0; r < 3; r++)
    {
        var watch = Stopwatch.StartNew();
        foreach (byte[] b in bytes) decode(b);
        times.Add(watch.Elapsed.TotalSeconds);
    }
    double rate = bytes.Length / times.Order().ElementAt(1);
    Console.WriteLine($"{name,-44} {rate,8:0.0} images/s per thread");
    return rate;
}

Console.WriteLine($"{files.Length} files in {folder}");
double sharp = Measure("ImageSharp 4.1.3 decode to RGB", b => ImageSharpRgb(b));
double skia = Measure("SkiaSharp 3.119.0 decode to RGB", b => SkiaRgb(b, out _, out _));
Measure("SkiaSharp decode + resize 256 + crop 224", b => SkiaResizeCrop(b).Dispose());
// Pixel agreement of the two decoders on the full images.
long same = 0, within1 = 0, total = 0;
int worst = 0;
foreach (byte[] b in bytes)
{
    byte[] a = ImageSharpRgb(b), s = SkiaRgb(b, out _, out _);
    if (a.Length != s.Length) continue;
    for (int i = 0; i < a.Length; i++)
    {
        int d = Math.Abs(a[i] - s[i]);
        same += d == 0 ? 1 : 0;
        within1 += d <= 1 ? 1 : 0;
        worst = Math.Max(worst, d);
    }
    total += a.Length;
}
Console.WriteLine($"ImageSharp vs Skia pixels: {100.0 * same / total:0.00}% equal, {100.0 * within1 / total:0.00}% within 1 level, max {worst}; Skia/ImageSharp speed {skia / sharp:0.00}x");
