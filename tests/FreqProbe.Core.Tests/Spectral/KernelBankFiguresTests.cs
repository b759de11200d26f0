using FreqProbe.Core.Spectral;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Spectral;

public sealed class KernelBankFiguresTests
{
    [Fact]
    public void Identical_groups_give_one_one_one()
    {
        torch.manual_seed(3);
        using Tensor group = randn(new long[] { 1, 8, 4, 3, 3 }, ScalarType.Float64);
        using Tensor bank = group.expand(4, 8, 4, 3, 3).contiguous();
        BankFigures f = KernelBankFigures.Analyse("conv", "test", bank, 16);
        Assert.Equal(1.0, f.SpectrumCosine, 12);
        Assert.Equal(1.0, f.Overlap, 12);
        Assert.Equal(1.0, f.WeightCosine, 12);
        Assert.All(f.RadialProfiles, p => Assert.Equal(1.0, p.Sum(), 12));
    }

    [Fact]
    public void Groups_built_by_inverse_dft_of_disjoint_radial_supports_do_not_overlap()
    {
        // Full-size (N x N) kernels: each group's kernels are the inverse DFT of one annulus with random real,
        // symmetric amplitudes, so each group's spectrum lives on its annulus alone. The annuli are whole rings of
        // round(d), the bins of the radial profile.
        const int n = 16;
        double[][] rings = { new[] { 0.0, 3.5 }, new[] { 3.5, 6.5 }, new[] { 6.5, 12.0 } };
        var random = new Random(7);
        var data = new List<double>();
        foreach (double[] ring in rings)
        {
            for (int kernel = 0; kernel < 2 * 3; kernel++)
            {
                float[] mask = CentredMask.Build(FrequencyFilter.BandPass(ring[0], ring[1]), n, n).ToHalfSpectrum();
                double scale = 0.5 + random.NextDouble();
                using Tensor half = tensor(mask.Select(m => m * scale).ToArray(), new long[] { n, n / 2 + 1 }).to(ScalarType.Float64);
                using Tensor spatial = fft.irfft2(half.to(ScalarType.ComplexFloat64), s: new long[] { n, n });
                data.AddRange(spatial.data<double>().ToArray());
            }
        }
        using Tensor bank = tensor(data.ToArray(), new long[] { 3, 2, 3, n, n });
        BankFigures f = KernelBankFigures.Analyse("conv", "test", bank, n);
        Assert.True(f.Overlap < 1e-9, $"overlap {f.Overlap}");
        Assert.True(f.SpectrumCosine < 1e-9, $"spectrum cosine {f.SpectrumCosine}");
        Assert.True(Math.Abs(f.WeightCosine) < 1e-9, $"weight cosine {f.WeightCosine}"); // Parseval: disjoint spectra, orthogonal weights
    }

    [Fact]
    public void A_bank_that_is_not_five_dimensional_or_has_one_group_is_reported()
    {
        using Tensor four = zeros(8, 4, 3, 3);
        Assert.Contains("[K, out, in, kh, kw]", Assert.Throws<InputException>(() => KernelBankFigures.Analyse("layer1.conv", "odconv", four, 16)).Message);
        using Tensor one = zeros(new long[] { 1, 8, 4, 3, 3 });
        Assert.Throws<InputException>(() => KernelBankFigures.Analyse("layer1.conv", "odconv", one, 16));
        using Tensor big = zeros(new long[] { 2, 8, 4, 7, 7 });
        Assert.Throws<InputException>(() => KernelBankFigures.Analyse("layer1.conv", "odconv", big, 4));
    }

    [Fact]
    public void The_pca_embedding_separates_groups_with_disjoint_spectra_and_the_pictures_are_written()
    {
        // Two groups of 3x3 filters: smooth (all-positive box-like) and high-pass (checkerboard-like), with a little noise.
        torch.manual_seed(5);
        using Tensor box = ones(new long[] { 1, 6, 2, 3, 3 }, ScalarType.Float64);
        using Tensor checker = tensor(new double[] { 1, -1, 1, -1, 1, -1, 1, -1, 1 }, new long[] { 1, 1, 1, 3, 3 }).expand(1, 6, 2, 3, 3);
        using Tensor bank = cat(new[] { box, checker }, 0) + 0.05 * randn(new long[] { 2, 6, 2, 3, 3 }, ScalarType.Float64);
        (double[,] points, double explained) = KernelBankFigures.Embedding(bank, 16);
        Assert.Equal((12, 2), (points.GetLength(0), points.GetLength(1)));
        Assert.InRange(explained, 0.5, 1.0);
        double[] first = Enumerable.Range(0, 6).Select(r => points[r, 0]).ToArray(), second = Enumerable.Range(6, 6).Select(r => points[r, 0]).ToArray();
        Assert.True(first.Max() < second.Min() || second.Max() < first.Min(), "the first axis should separate the two groups");

        using var dir = new Support.TempDirectory();
        BankFigures figures = KernelBankFigures.Analyse("layer1.conv", "odconv", bank, 16);
        FreqProbe.Core.Kernels.KernelBankPictures.SaveRadialResponses(figures, 16, dir.File("radial.png"));
        FreqProbe.Core.Kernels.KernelBankPictures.SaveEmbedding("layer1.conv", points, 2, explained, dir.File("pca.svg"));
        Assert.True(new FileInfo(dir.File("radial.png")).Length > 1000);
        Assert.Contains("group 1", File.ReadAllText(dir.File("pca.svg")), StringComparison.Ordinal);
        Assert.True(figures.Overlap < 0.95 && figures.SpectrumCosine < 0.95, $"{figures.Overlap} {figures.SpectrumCosine}");
    }
}
