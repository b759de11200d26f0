using System.Buffers;
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FreqProbe.Core.Datasets;

/// <summary>
/// Turns a decoded image into the model input as torchvision's PIL path does it: an antialiased resize in PIL's 8-bit
/// fixed-point arithmetic (<see cref="ResampleAxis"/>, horizontal pass first, each pass rounded to bytes), a centre crop,
/// and bytes scaled to [0, 1]. The input is H×W×3 bytes (<see cref="Apply(RgbImage, PreprocessPolicy, Span{byte})"/>)
/// or planar floats; a <see cref="InputPlan"/> says which source pixels it needs, so that a decoder can decode only those.
/// </summary>
public static class ImagePreprocessor
{
    /// <summary>Writes the model input for <paramref name="image"/> into <paramref name="destination"/> (S·S·3 bytes, H×W×3).</summary>
    public static void Apply(RgbImage image, PreprocessPolicy policy, Span<byte> destination)
    {
        InputPlan plan = InputPlan.For(image.Width, image.Height, policy);
        plan.Run(image.Pixels, 3, image.Width * 3, 0, 0, destination);
    }

    /// <summary>Writes the model input for <paramref name="image"/> into <paramref name="destination"/> (3·S·S floats in [0, 1], C×H×W).</summary>
    public static void Apply(RgbImage image, PreprocessPolicy policy, Span<float> destination)
    {
        var bytes = new byte[3 * policy.InputSize * policy.InputSize];
        Apply(image, policy, bytes);
        ToPlanes(bytes, destination);
    }

    /// <summary>H×W×3 bytes to C×H×W floats in [0, 1] (torchvision's <c>ToTensor</c>).</summary>
    public static void ToPlanes(ReadOnlySpan<byte> pixels, Span<float> destination)
    {
        if (destination.Length != pixels.Length) throw new ArgumentException($"destination must hold {pixels.Length} floats");
        int n = pixels.Length / 3;
        float[] unit = UnitScale;
        for (int p = 0; p < n; p++)
        {
            destination[p] = unit[pixels[3 * p]];
            destination[n + p] = unit[pixels[3 * p + 1]];
            destination[2 * n + p] = unit[pixels[3 * p + 2]];
        }
    }

    // b / 255f for every byte, computed once (the same floats as dividing each time).
    static readonly float[] UnitScale = Enumerable.Range(0, 256).Select(b => b / 255f).ToArray();
}

/// <summary>
/// What preprocessing does to an image of a given size: the source region it reads, and the two resize passes (absent
/// on an axis whose size does not change) restricted to the centre crop.
/// </summary>
internal sealed class InputPlan
{
    InputPlan(int size, ResampleAxis? horizontal, ResampleAxis? vertical, int cropLeft, int cropTop)
        : this(size, size, horizontal, vertical, cropLeft, cropTop)
    {
    }

    InputPlan(int outWidth, int outHeight, ResampleAxis? horizontal, ResampleAxis? vertical, int cropLeft, int cropTop)
    {
        OutWidth = outWidth;
        OutHeight = outHeight;
        Horizontal = horizontal;
        Vertical = vertical;
        Left = horizontal?.Lowest ?? cropLeft;
        Top = vertical?.Lowest ?? cropTop;
        Width = (horizontal?.End ?? cropLeft + outWidth) - Left;
        Height = (vertical?.End ?? cropTop + outHeight) - Top;
    }

    /// <summary>Output width (the model input's side).</summary>
    public int OutWidth { get; }

    /// <summary>Output height.</summary>
    public int OutHeight { get; }

    ResampleAxis? Horizontal { get; }

    ResampleAxis? Vertical { get; }

    /// <summary>First source column read.</summary>
    public int Left { get; }

    /// <summary>First source row read.</summary>
    public int Top { get; }

    /// <summary>Source columns read.</summary>
    public int Width { get; }

    /// <summary>Source rows read.</summary>
    public int Height { get; }

    /// <summary>
    /// The plan for a <paramref name="width"/>×<paramref name="height"/> image. With a shorter-side resize it follows
    /// torchvision's <c>Resize(int)</c> (the longer side becomes int(shorter·long/short)) and <c>CenterCrop</c>
    /// (offsets round half to even); without, any size other than the input size is resized to it exactly.
    /// </summary>
    public static InputPlan For(int width, int height, PreprocessPolicy policy)
    {
        int size = policy.InputSize;
        int newWidth = size, newHeight = size, left = 0, top = 0;
        if (policy.ResizeShorter is { } shorter)
        {
            (newWidth, newHeight) = width <= height
                ? (shorter, (int)((long)shorter * height / width))
                : ((int)((long)shorter * width / height), shorter);
            if (newWidth < size || newHeight < size)
            {
                throw new InvalidOperationException($"resized image {newWidth}x{newHeight} is smaller than the {size}x{size} crop");
            }
            top = (int)Math.Round((newHeight - size) / 2.0, MidpointRounding.ToEven);
            left = (int)Math.Round((newWidth - size) / 2.0, MidpointRounding.ToEven);
        }
        ResampleAxis? horizontal = newWidth == width ? null : ResampleAxis.Build(width, newWidth, left, size, policy.Interpolation);
        ResampleAxis? vertical = newHeight == height ? null : ResampleAxis.Build(height, newHeight, top, size, policy.Interpolation);
        return new InputPlan(size, horizontal, vertical, left, top);
    }

    /// <summary>Resizes a <paramref name="width"/>×<paramref name="height"/> image to <paramref name="newWidth"/>×<paramref name="newHeight"/>, no crop.</summary>
    public static InputPlan Resize(int width, int height, int newWidth, int newHeight, ResizeInterpolation interpolation) =>
        new(newWidth, newHeight,
            newWidth == width ? null : ResampleAxis.Build(width, newWidth, 0, newWidth, interpolation),
            newHeight == height ? null : ResampleAxis.Build(height, newHeight, 0, newHeight, interpolation), 0, 0);

    /// <summary>
    /// Runs the plan on source pixels that hold at least its region: pixel (x, y) of the image starts at byte
    /// (y − <paramref name="originY"/>)·<paramref name="rowStride"/> + (x − <paramref name="originX"/>)·<paramref name="pixelStride"/>
    /// (RGB first, any further byte ignored). Writes H×W×3 bytes.
    /// </summary>
    public void Run(ReadOnlySpan<byte> pixels, int pixelStride, int rowStride, int originX, int originY, Span<byte> destination)
    {
        int rowLength = OutWidth * 3;
        if (destination.Length != OutHeight * rowLength) throw new ArgumentException($"destination must hold {OutHeight * rowLength} bytes");
        // Horizontal pass over the rows the vertical pass reads, into bytes held as ints.
        int[] middle = ArrayPool<int>.Shared.Rent(Height * rowLength);
        try
        {
            Resample(pixels, pixelStride, rowStride, originX, originY, middle, rowLength, destination);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(middle);
        }
    }

    void Resample(ReadOnlySpan<byte> pixels, int pixelStride, int rowStride, int originX, int originY, int[] middle, int rowLength, Span<byte> destination)
    {
        for (int r = 0; r < Height; r++)
        {
            ReadOnlySpan<byte> row = pixels.Slice((Top + r - originY) * rowStride);
            Span<int> output = middle.AsSpan(r * rowLength, rowLength);
            if (Horizontal is null) CopyRow(row, pixelStride, Left - originX, output);
            else ResampleRow(row, pixelStride, originX, Horizontal, output);
        }
        for (int y = 0; y < OutHeight; y++)
        {
            Span<byte> output = destination.Slice(y * rowLength, rowLength);
            if (Vertical is null)
            {
                ReadOnlySpan<int> source = middle.AsSpan(y * rowLength, rowLength);
                for (int j = 0; j < rowLength; j++) output[j] = (byte)source[j];
            }
            else
            {
                ResampleColumn(middle, rowLength, Vertical.First[y] - Top, Vertical.Count[y], Vertical.Weights.AsSpan(y * Vertical.Width), output);
            }
        }
    }

    static void CopyRow(ReadOnlySpan<byte> row, int pixelStride, int first, Span<int> output)
    {
        for (int x = 0; x < output.Length / 3; x++)
        {
            int p = (first + x) * pixelStride;
            output[3 * x] = row[p];
            output[3 * x + 1] = row[p + 1];
            output[3 * x + 2] = row[p + 2];
        }
    }

    static void ResampleRow(ReadOnlySpan<byte> row, int pixelStride, int originX, ResampleAxis axis, Span<int> output)
    {
        if (pixelStride == 4 && Sse41.IsSupported)
        {
            ResampleRowRgba(row, originX, axis, output);
            return;
        }
        int[] weights = axis.Weights;
        for (int x = 0; x < axis.First.Length; x++)
        {
            int r = ResampleAxis.Half, g = ResampleAxis.Half, b = ResampleAxis.Half;
            int p = (axis.First[x] - originX) * pixelStride;
            int w0 = x * axis.Width;
            for (int k = 0; k < axis.Count[x]; k++, p += pixelStride)
            {
                int w = weights[w0 + k];
                r += row[p] * w;
                g += row[p + 1] * w;
                b += row[p + 2] * w;
            }
            output[3 * x] = ResampleAxis.ToByte(r);
            output[3 * x + 1] = ResampleAxis.ToByte(g);
            output[3 * x + 2] = ResampleAxis.ToByte(b);
        }
    }

    // The same sums on RGBA pixels, four channels in one SSE4.1 register (the fourth is ignored): identical integers.
    static unsafe void ResampleRowRgba(ReadOnlySpan<byte> row, int originX, ResampleAxis axis, Span<int> output)
    {
        int[] weights = axis.Weights;
        var half = Vector128.Create(ResampleAxis.Half);
        var max = Vector128.Create(255);
        fixed (byte* source = row)
        fixed (int* w = weights)
        {
            for (int x = 0; x < axis.First.Length; x++)
            {
                Vector128<int> sum = half;
                byte* p = source + (axis.First[x] - originX) * 4;
                int* wx = w + x * axis.Width;
                for (int k = 0; k < axis.Count[x]; k++, p += 4)
                {
                    sum = Sse2.Add(sum, Sse41.MultiplyLow(Sse41.ConvertToVector128Int32(p), Vector128.Create(wx[k])));
                }
                Vector128<int> bytes = Sse41.Min(Sse41.Max(Sse2.ShiftRightArithmetic(sum, ResampleAxis.PrecisionBits), Vector128<int>.Zero), max);
                output[3 * x] = bytes.GetElement(0);
                output[3 * x + 1] = bytes.GetElement(1);
                output[3 * x + 2] = bytes.GetElement(2);
            }
        }
    }

    // One output row of the vertical pass: a weighted sum of `count` rows of the middle image, vectorised along the row.
    static void ResampleColumn(int[] middle, int rowLength, int first, int count, ReadOnlySpan<int> weights, Span<byte> output)
    {
        int lanes = Vector<int>.Count;
        var half = new Vector<int>(ResampleAxis.Half);
        var zero = Vector<int>.Zero;
        var max = new Vector<int>(255);
        Span<int> lane = stackalloc int[lanes];
        int j = 0;
        for (; j + lanes <= rowLength; j += lanes)
        {
            Vector<int> sum = half;
            for (int k = 0; k < count; k++) sum += new Vector<int>(middle, (first + k) * rowLength + j) * weights[k];
            Vector.Min(Vector.Max(Vector.ShiftRightArithmetic(sum, ResampleAxis.PrecisionBits), zero), max).CopyTo(lane);
            for (int l = 0; l < lanes; l++) output[j + l] = (byte)lane[l];
        }
        for (; j < rowLength; j++)
        {
            int sum = ResampleAxis.Half;
            for (int k = 0; k < count; k++) sum += middle[(first + k) * rowLength + j] * weights[k];
            output[j] = (byte)ResampleAxis.ToByte(sum);
        }
    }
}
