using FreqProbe.Core.Charts;
using FreqProbe.Core.Kernels;
using FreqProbe.Core.Spectral;
using FreqProbe.Core.Tests.Support;
using FreqProbe.Core.Training;
using SkiaSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Charts;

/// <summary>What the training-probe chart, the preview sheet and the kernel pictures show, not only their size.</summary>
public sealed class PictureContentTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public void The_probe_chart_puts_each_epoch_and_top1_on_one_pair_of_linear_axes_with_its_legend()
    {
        var rows = new List<ProbeRow>();
        double[] clean = { 0.30, 0.55, 0.70 }, low = { 0.20, 0.35, 0.42 }, lowTrain = { 0.25, 0.45, 0.61 };
        for (int e = 0; e < 3; e++)
        {
            rows.Add(new ProbeRow(e + 1, "test", "none", double.NaN, 1000, (long)(1000 * clean[e])));
            rows.Add(new ProbeRow(e + 1, "test", "lowpass", 4, 1000, (long)(1000 * low[e])));
            rows.Add(new ProbeRow(e + 1, "train", "lowpass", 4, 1000, (long)(1000 * lowTrain[e])));
        }
        string path = dir.File("probe.svg");
        ProbeChart.SaveAccuracy(new[] { ("run", (IReadOnlyList<ProbeRow>)rows) }, path, "probe content", 800, 500);
        SvgContent svg = SvgContent.Read(path);

        var marks = svg.DataMarkers.ToArray();
        Assert.Equal(rows.Count, marks.Length);
        // Three epochs at three x positions, and every top-1 at a y on one linear scale (pixels grow downwards).
        double[] xs = marks.Select(m => Math.Round(m.X, 1)).Distinct().Order().ToArray();
        Assert.Equal(3, xs.Length);
        SvgContent.AssertLinear(xs.Select((x, k) => ((double)(k + 1), x)).ToArray(), increasing: true);
        double[] top1 = rows.Select(r => 100 * r.Top1).Order().ToArray();
        double[] ys = marks.Select(m => m.Y).OrderDescending().ToArray();
        SvgContent.AssertLinear(top1.Zip(ys).ToArray(), increasing: false);
        foreach (string legend in new[] { "test, unfiltered", "test, low-pass r=4", "train, low-pass r=4", "probe content" })
        {
            Assert.Contains(legend, svg.Text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_f_principle_chart_draws_both_errors_per_width_at_their_values()
    {
        var rows = new[] { new FPrincipleRow(1, 0.5, 1.0, 100, 0.9, 0.95), new FPrincipleRow(2, 0.5, 1.0, 100, 0.4, 0.8), new FPrincipleRow(3, 0.5, 1.0, 100, 0.1, 0.6) };
        string path = dir.File("fp.svg");
        ProbeChart.SaveFPrinciple(new[] { ("run", (IReadOnlyList<FPrincipleRow>)rows) }, path, "fp content", 800, 500);
        SvgContent svg = SvgContent.Read(path);
        var marks = svg.DataMarkers.ToArray();
        Assert.Equal(6, marks.Length);
        double[] values = rows.SelectMany(r => new[] { r.LowError, r.HighError }).Order().ToArray();
        SvgContent.AssertLinear(values.Zip(marks.Select(m => m.Y).OrderDescending()).ToArray(), increasing: false);
        Assert.Contains("fp content", svg.Text, StringComparison.Ordinal);
    }

    // The mean and spread of one channel over a rectangle of a decoded picture.
    static (double Mean, double Spread) Stats(SKBitmap picture, int left, int top, int size)
    {
        var values = new List<double>();
        for (int y = top + 2; y < top + size - 2; y++) for (int x = left + 2; x < left + size - 2; x++) values.Add(picture.GetPixel(x, y).Green);
        double mean = values.Average();
        return (mean, Math.Sqrt(values.Average(v => (v - mean) * (v - mean))));
    }

    [Fact]
    public void The_preview_sheet_shows_the_checkerboard_in_the_original_and_the_high_pass_and_not_in_the_low_pass()
    {
        const int n = 32;
        // Mid grey plus a checkerboard at the Nyquist frequency (16 cycles per image): a low-pass at 4 removes it all.
        var pixels = new float[3 * n * n];
        for (int c = 0; c < 3; c++) for (int y = 0; y < n; y++) for (int x = 0; x < n; x++) pixels[(c * n + y) * n + x] = (x + y) % 2 == 0 ? 0.8f : 0.2f;
        using Tensor image = tensor(pixels, new long[] { 1, 3, n, n });
        string png = dir.File("sheet.png"), svgPath = dir.File("sheet.svg");
        PreviewSheet.Save(image, new[] { PreviewSheet.Label(7, "cat") }, new[] { 4.0 }, MaskShape.Circle, MaskProfile.Ideal, false, "sheet content", png);
        PreviewSheet.Save(image, new[] { PreviewSheet.Label(7, "cat") }, new[] { 4.0 }, MaskShape.Circle, MaskProfile.Ideal, false, "sheet content", svgPath);

        using SKBitmap picture = SKBitmap.Decode(png);
        // The sheet's pixels sit 1:1 in the data area (210 pixels in, 40 down), tiles of 3 x 32 pixels 4 apart.
        const int left = 210, top = 40, gap = 4, tile = 96;
        (double Mean, double Spread) original = Stats(picture, left + gap, top + gap, tile);
        (double Mean, double Spread) lowPass = Stats(picture, left + gap + (tile + gap), top + gap, tile);
        (double Mean, double Spread) highPass = Stats(picture, left + gap + 2 * (tile + gap), top + gap, tile);
        Assert.True(original.Spread > 60, $"original {original}");
        Assert.True(lowPass.Spread < 3 && Math.Abs(lowPass.Mean - 128) < 4, $"low-pass {lowPass}");
        Assert.True(highPass.Spread > 60, $"high-pass {highPass}");

        string text = SvgContent.Read(svgPath).Text;
        foreach (string label in new[] { "original", "LP 4", "HP 4", "#7 cat", "sheet content" }) Assert.Contains(label, text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_kernel_grid_tile_is_bright_where_its_spectrum_peaks_and_dark_elsewhere()
    {
        const int size = 8, zoom = 4, gap = 2, tile = size * zoom;
        var spectra = new float[2 * size * size];
        spectra[size / 2 * size + size / 2] = 1; // channel 0: DC only, at the centre of its tile
        for (int k = 0; k < size * size; k++) spectra[size * size + k] = 1; // channel 1: flat
        var layer = new LayerSpectrum("conv", 2, 1, 3, 3, new[] { 1.0, 0, 0 }, 0.5, 1.5, new double[size / 2 + 1], spectra);
        string path = dir.File("conv.png");
        KernelPictures.SaveGrid(layer, size, path, zoom: zoom);

        using SKBitmap picture = SKBitmap.Decode(path);
        SKColor peak = picture.GetPixel(gap + size / 2 * zoom + 1, gap + size / 2 * zoom + 1);
        SKColor off = picture.GetPixel(gap + 1, gap + 1);
        SKColor flat = picture.GetPixel(gap + (tile + gap) + 5, gap + 5);
        // Viridis: its top is yellow (high red and green), its bottom dark purple.
        Assert.True(peak.Red > 200 && peak.Green > 200, $"peak {peak}");
        Assert.True(off.Red < 90 && off.Green < 40, $"off-peak {off}");
        Assert.Equal(peak, flat);
    }

    [Fact]
    public void Bank_pictures_draw_each_group_s_profile_and_points_where_they_are_with_the_figures_in_the_title()
    {
        double[][] profiles = { new[] { 0.5, 0.3, 0.15, 0.05 }, new[] { 0.1, 0.2, 0.3, 0.4 } };
        var bank = new BankFigures("layer1.0.conv1", "odconv", 2, 16, 16, 3, 3, 0.812, 0.9, 0.03, profiles);
        string radial = dir.File("bank.svg");
        KernelBankPictures.SaveRadialResponses(bank, 6, radial);
        SvgContent svg = SvgContent.Read(radial);
        var marks = svg.DataMarkers.ToArray();
        Assert.Equal(8, marks.Length);
        // Distance d / (N/2) on x, the share on y, both linear, for the two groups' points together.
        double[] x = marks.Select(m => Math.Round(m.X, 1)).Distinct().Order().ToArray();
        SvgContent.AssertLinear(x.Select((px, d) => (d / 3.0, px)).ToArray(), increasing: true);
        SvgContent.AssertLinear(profiles.SelectMany(p => p).Order().Zip(marks.Select(m => m.Y).OrderDescending()).ToArray(), increasing: false);
        foreach (string text in new[] { "group 0", "group 1", "layer1.0.conv1 (odconv, K = 2): spectrum cosine 0.812, overlap 0.900, weight cosine 0.030" })
        {
            Assert.Contains(text, svg.Text, StringComparison.Ordinal);
        }

        var points = new double[,] { { -1, 0 }, { -2, 1 }, { 3, 2 }, { 4, -1 } };
        string pca = dir.File("pca.svg");
        KernelBankPictures.SaveEmbedding("layer1.0.conv1", points, 2, 0.75, pca);
        SvgContent embedding = SvgContent.Read(pca);
        var dots = embedding.DataMarkers.ToArray();
        Assert.Equal(4, dots.Length);
        Assert.Equal(2, dots.Select(d => d.Fill).Distinct().Count()); // one colour per group
        SvgContent.AssertLinear(new[] { -2.0, -1, 3, 4 }.Zip(dots.Select(d => d.X).Order()).ToArray(), increasing: true);
        Assert.Contains("75.0% of the variance", embedding.Text, StringComparison.Ordinal);
    }
}
