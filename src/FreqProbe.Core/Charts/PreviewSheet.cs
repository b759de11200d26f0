using System.Globalization;
using FreqProbe.Core.Spectral;
using ScottPlot;
using static TorchSharp.torch;

namespace FreqProbe.Core.Charts;

/// <summary>
/// A contact sheet of what the model sees: one row per image (two with spectra), columns for the original and for
/// every low-pass and high-pass radius. Display mappings, stated in the caption: the original and low-passed images are
/// clamped to [0, 1]; a high-passed image h is shown as 0.5 + 0.5·h / max|h| (mean 0.5, contrast stretched per tile);
/// spectra as log(1 + |X|) of the unfiltered image scaled to its maximum, with the mask's kept region outlined.
/// </summary>
public static class PreviewSheet
{
    /// <summary>The caption that states the display mappings.</summary>
    public const string Caption =
        "display: LP clamped to [0,1]; HP as 0.5 + 0.5*h/max|h| per tile; spectra log(1+|X|), DC centred, red = edge of the kept region";

    /// <summary>
    /// Renders <paramref name="images"/> ([B, 3, N, N] in [0,1], on the CPU) filtered by low-pass and high-pass at each of
    /// <paramref name="radii"/> to <paramref name="path"/> (.png or .svg), with row labels <paramref name="labels"/>.
    /// </summary>
    public static void Save(Tensor images, IReadOnlyList<string> labels, IReadOnlyList<double> radii, MaskShape shape, MaskProfile profile,
        bool spectrum, string title, string path)
    {
        using var scope = NewDisposeScope();
        int b = (int)images.shape[0], n = (int)images.shape[2];
        var filters = radii.Select(r => FrequencyFilter.LowPass(r, shape, profile)).Concat(radii.Select(r => FrequencyFilter.HighPass(r, shape, profile))).ToArray();
        using var bank = new SpectralFilterBank(filters, n, n, CPU);
        Tensor transformed = bank.Transform(images);
        float[] filtered = bank.Filter(transformed, 0, filters.Length).contiguous().data<float>().ToArray(); // [F·B, 3, N, N], filter-major
        float[] original = images.contiguous().data<float>().ToArray();
        float[]? magnitude = spectrum
            ? fft.fftshift(fft.fft2(images), new long[] { -2, -1 }).abs().log1p().mean(new long[] { 1 }).contiguous().data<float>().ToArray()
            : null;

        int zoom = Math.Max(1, 96 / n), tile = n * zoom, gap = 4;
        int columns = 1 + filters.Length, rowsPerImage = spectrum ? 2 : 1;
        var sheet = new RgbCanvas(columns * (tile + gap) + gap, b * rowsPerImage * (tile + gap) + gap);
        int plane = n * n;
        for (int i = 0; i < b; i++)
        {
            int top = gap + i * rowsPerImage * (tile + gap);
            DrawRgb(sheet, original.AsSpan(i * 3 * plane, 3 * plane), n, zoom, gap, top, stretch: false);
            for (int f = 0; f < filters.Length; f++)
            {
                bool high = filters[f].Kind == FilterKind.HighPass;
                DrawRgb(sheet, filtered.AsSpan((f * b + i) * 3 * plane, 3 * plane), n, zoom, gap + (f + 1) * (tile + gap), top, stretch: high);
            }
            if (magnitude is not null)
            {
                ReadOnlySpan<float> m = magnitude.AsSpan(i * plane, plane);
                for (int f = 0; f < filters.Length; f++)
                {
                    DrawSpectrum(sheet, m, CentredMask.Build(filters[f], n, n), n, zoom, gap + (f + 1) * (tile + gap), top + tile + gap);
                }
                DrawSpectrum(sheet, m, null, n, zoom, gap, top + tile + gap);
            }
        }

        var plot = new Plot();
        double width = sheet.Width, height = sheet.Height;
        plot.Add.ImageRect(new ScottPlot.Image(sheet.EncodePng()), new CoordinateRect(0, width, 0, height));
        var xTicks = new ScottPlot.TickGenerators.NumericManual();
        xTicks.AddMajor(gap + tile / 2.0, "original");
        for (int f = 0; f < filters.Length; f++)
        {
            string name = (filters[f].Kind == FilterKind.LowPass ? "LP " : "HP ") + filters[f].RadiusLabel;
            xTicks.AddMajor(gap + (f + 1) * (tile + gap) + tile / 2.0, name);
        }
        plot.Axes.Bottom.TickGenerator = xTicks;
        var yTicks = new ScottPlot.TickGenerators.NumericManual();
        for (int i = 0; i < b; i++) yTicks.AddMajor(height - (gap + i * rowsPerImage * (tile + gap) + tile / 2.0), labels[i]);
        plot.Axes.Left.TickGenerator = yTicks;
        plot.Axes.SetLimits(0, width, 0, height);
        plot.Title(title, size: 13);
        plot.XLabel(Caption, size: 10);
        plot.Grid.IsVisible = false;
        // A data area of exactly the sheet's pixels, so the tiles are copied 1:1 rather than resampled.
        const int padLeft = 210, padRight = 20, padBottom = 70, padTop = 40;
        plot.Layout.Fixed(new PixelPadding(padLeft, padRight, padBottom, padTop));
        int outWidth = (int)width + padLeft + padRight, outHeight = (int)height + padTop + padBottom;
        if (path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase)) plot.SaveSvg(path, outWidth, outHeight);
        else plot.SavePng(path, outWidth, outHeight);
    }

    static void DrawRgb(RgbCanvas sheet, ReadOnlySpan<float> rgb, int n, int zoom, int left, int top, bool stretch)
    {
        int plane = n * n;
        double gain = 1;
        if (stretch)
        {
            float max = 0;
            foreach (float v in rgb) max = Math.Max(max, Math.Abs(v));
            gain = max > 0 ? 0.5 / max : 0;
        }
        Span<byte> colour = stackalloc byte[3];
        for (int y = 0; y < n * zoom; y++)
        {
            for (int x = 0; x < n * zoom; x++)
            {
                int p = (y / zoom) * n + x / zoom;
                for (int c = 0; c < 3; c++)
                {
                    double value = stretch ? 0.5 + gain * rgb[c * plane + p] : rgb[c * plane + p];
                    colour[c] = (byte)Math.Round(255 * Math.Clamp(value, 0, 1));
                }
                sheet.Set(left + x, top + y, colour[0], colour[1], colour[2]);
            }
        }
    }

    static void DrawSpectrum(RgbCanvas sheet, ReadOnlySpan<float> magnitude, CentredMask? mask, int n, int zoom, int left, int top)
    {
        float max = 0;
        foreach (float v in magnitude) max = Math.Max(max, v);
        for (int y = 0; y < n * zoom; y++)
        {
            for (int x = 0; x < n * zoom; x++)
            {
                int row = y / zoom, column = x / zoom;
                byte grey = (byte)Math.Round(255 * (max > 0 ? magnitude[row * n + column] / max : 0));
                bool edge = mask is not null && mask[row, column] > 0.5 && (
                    (y % zoom == 0 && row > 0 && mask[row - 1, column] <= 0.5) || (y % zoom == zoom - 1 && row < n - 1 && mask[row + 1, column] <= 0.5) ||
                    (x % zoom == 0 && column > 0 && mask[row, column - 1] <= 0.5) || (x % zoom == zoom - 1 && column < n - 1 && mask[row, column + 1] <= 0.5));
                if (edge) sheet.Set(left + x, top + y, 230, 30, 30);
                else sheet.Set(left + x, top + y, grey, grey, grey);
            }
        }
    }

    /// <summary>A short label for an image row.</summary>
    public static string Label(int index, string className) => string.Create(CultureInfo.InvariantCulture, $"#{index} {className}");
}
