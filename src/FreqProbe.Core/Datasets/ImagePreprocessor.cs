namespace FreqProbe.Core.Datasets;

/// <summary>
/// Turns an <see cref="RgbImage"/> into planar float pixels in [0, 1] (C × H × W) following a
/// <see cref="PreprocessPolicy"/>. Resizing is separable and antialiased: a triangle (bilinear) or Keys cubic
/// (bicubic, a = -0.5) filter widened by the downscale factor, as PIL and torch's <c>antialias=True</c> do, computed
/// in floating point.
/// </summary>
public static class ImagePreprocessor
{
    /// <summary>Writes the model input for <paramref name="image"/> into <paramref name="destination"/> (3·S·S floats).</summary>
    public static void Apply(RgbImage image, PreprocessPolicy policy, Span<float> destination)
    {
        int size = policy.InputSize;
        if (destination.Length != 3 * size * size) throw new ArgumentException($"destination must hold {3 * size * size} floats");
        float[] planes = ToPlanes(image);
        int width = image.Width, height = image.Height;
        if (policy.ResizeShorter is { } shorter)
        {
            // torchvision Resize(int): the shorter side becomes `shorter`, the longer int(shorter * long / short).
            (int newWidth, int newHeight) = width <= height
                ? (shorter, (int)((long)shorter * height / width))
                : ((int)((long)shorter * width / height), shorter);
            planes = Resize(planes, width, height, newWidth, newHeight, policy.Interpolation);
            width = newWidth;
            height = newHeight;
            if (width < size || height < size)
            {
                throw new InvalidOperationException($"resized image {width}x{height} is smaller than the {size}x{size} crop");
            }
            // torchvision CenterCrop: top = int(round((h - size) / 2)), with round half to even.
            int top = (int)Math.Round((height - size) / 2.0, MidpointRounding.ToEven);
            int left = (int)Math.Round((width - size) / 2.0, MidpointRounding.ToEven);
            Crop(planes, width, height, top, left, size, destination);
            return;
        }
        if (width != size || height != size)
        {
            planes = Resize(planes, width, height, size, size, policy.Interpolation);
        }
        planes.AsSpan().CopyTo(destination);
    }

    static float[] ToPlanes(RgbImage image)
    {
        int n = image.Width * image.Height;
        var planes = new float[3 * n];
        byte[] pixels = image.Pixels;
        for (int p = 0; p < n; p++)
        {
            planes[p] = pixels[3 * p] / 255f;
            planes[n + p] = pixels[3 * p + 1] / 255f;
            planes[2 * n + p] = pixels[3 * p + 2] / 255f;
        }
        return planes;
    }

    static void Crop(float[] planes, int width, int height, int top, int left, int size, Span<float> destination)
    {
        for (int c = 0; c < 3; c++)
        {
            for (int y = 0; y < size; y++)
            {
                planes.AsSpan(c * width * height + (top + y) * width + left, size).CopyTo(destination.Slice((c * size + y) * size, size));
            }
        }
    }

    /// <summary>Antialiased resize of planar RGB floats, horizontal pass first.</summary>
    internal static float[] Resize(float[] planes, int width, int height, int newWidth, int newHeight,
        ResizeInterpolation interpolation = ResizeInterpolation.Bilinear)
    {
        ResampleTaps horizontal = ResampleTaps.Build(width, newWidth, interpolation);
        ResampleTaps vertical = ResampleTaps.Build(height, newHeight, interpolation);
        // Cubic taps are negative at the edges and can overshoot; PIL clamps each pass to bytes, so clamp to [0, 1].
        float low = interpolation == ResizeInterpolation.Bicubic ? 0f : float.NegativeInfinity;
        float high = interpolation == ResizeInterpolation.Bicubic ? 1f : float.PositiveInfinity;
        var temp = new float[3 * height * newWidth];
        var output = new float[3 * newHeight * newWidth];
        for (int c = 0; c < 3; c++)
        {
            int src = c * width * height, mid = c * height * newWidth, dst = c * newHeight * newWidth;
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < newWidth; x++)
                {
                    double sum = 0;
                    int first = horizontal.First[x];
                    for (int k = 0; k < horizontal.Count[x]; k++) sum += horizontal.Weights[x][k] * planes[src + y * width + first + k];
                    temp[mid + y * newWidth + x] = Math.Clamp((float)sum, low, high);
                }
            }
            for (int y = 0; y < newHeight; y++)
            {
                int first = vertical.First[y];
                for (int x = 0; x < newWidth; x++)
                {
                    double sum = 0;
                    for (int k = 0; k < vertical.Count[y]; k++) sum += vertical.Weights[y][k] * temp[mid + (first + k) * newWidth + x];
                    output[dst + y * newWidth + x] = Math.Clamp((float)sum, low, high);
                }
            }
        }
        return output;
    }

    sealed class ResampleTaps
    {
        public required int[] First { get; init; }
        public required int[] Count { get; init; }
        public required double[][] Weights { get; init; }

        // The filter widened by the scale when shrinking, so that every input pixel contributes (PIL's ImagingResample).
        public static ResampleTaps Build(int inSize, int outSize, ResizeInterpolation interpolation)
        {
            double scale = (double)inSize / outSize;
            double widen = scale >= 1 ? scale : 1.0;
            double support = (interpolation == ResizeInterpolation.Bicubic ? 2.0 : 1.0) * widen;
            var first = new int[outSize];
            var count = new int[outSize];
            var weights = new double[outSize][];
            for (int o = 0; o < outSize; o++)
            {
                double centre = (o + 0.5) * scale;
                int lo = Math.Max(0, (int)(centre - support + 0.5));
                int hi = Math.Min(inSize, (int)(centre + support + 0.5));
                var w = new double[hi - lo];
                double total = 0;
                for (int k = lo; k < hi; k++)
                {
                    double t = Math.Abs((k - centre + 0.5) / widen);
                    double value = interpolation == ResizeInterpolation.Bicubic ? Cubic(t) : t < 1 ? 1 - t : 0;
                    w[k - lo] = value;
                    total += value;
                }
                for (int k = 0; k < w.Length; k++) w[k] = total > 0 ? w[k] / total : 0;
                first[o] = lo;
                count[o] = hi - lo;
                weights[o] = w;
            }
            return new ResampleTaps { First = first, Count = count, Weights = weights };
        }

        // Keys (1981) cubic convolution kernel with a = -0.5, as PIL's and torch's bicubic filters.
        static double Cubic(double t)
        {
            const double a = -0.5;
            if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
            if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
            return 0;
        }
    }
}
