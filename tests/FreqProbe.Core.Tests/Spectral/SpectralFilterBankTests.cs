using FreqProbe.Core.Spectral;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Spectral;

public sealed class SpectralFilterBankTests
{
    const double Tolerance = 2e-5;

    public static TheoryData<int, int> Sizes => new() { { 8, 8 }, { 7, 7 }, { 6, 9 }, { 9, 6 }, { 32, 32 }, { 5, 12 } };

    static double[] RandomImage(int channels, int h, int w, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, channels * h * w).Select(_ => random.NextDouble()).ToArray();
    }

    static double[] Run(FrequencyFilter filter, double[] image, int channels, int h, int w)
    {
        using var scope = NewDisposeScope();
        using var bank = new SpectralFilterBank(new[] { filter }, h, w, CPU);
        Tensor x = tensor(image.Select(v => (float)v).ToArray(), new long[] { 1, channels, h, w });
        return bank.Filter(bank.Transform(x), 0, 1).to(ScalarType.Float64).data<double>().ToArray();
    }

    static double IdealLow(int u, int v, double r) => Math.Sqrt(u * u + v * v) < r ? 1 : 0;

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Ideal_low_and_high_pass_match_the_MathNet_reference(int h, int w)
    {
        double[] image = RandomImage(3, h, w, h * 31 + w);
        foreach (double r in new[] { 0.0, 1.0, 1.5, 2.0, 3.0, 4.5, 100.0 })
        {
            double[] low = Run(FrequencyFilter.LowPass(r), image, 3, h, w);
            double[] high = Run(FrequencyFilter.HighPass(r), image, 3, h, w);
            for (int c = 0; c < 3; c++)
            {
                double[] plane = image.Skip(c * h * w).Take(h * w).ToArray();
                double[] refLow = ReferenceFilter.Apply(plane, h, w, (u, v) => IdealLow(u, v, r));
                double[] refHigh = ReferenceFilter.Apply(plane, h, w, (u, v) => 1 - IdealLow(u, v, r));
                for (int p = 0; p < h * w; p++)
                {
                    Assert.True(Math.Abs(low[c * h * w + p] - refLow[p]) < Tolerance, $"low r={r} {h}x{w} c={c} p={p}: {low[c * h * w + p]} vs {refLow[p]}");
                    Assert.True(Math.Abs(high[c * h * w + p] - refHigh[p]) < Tolerance, $"high r={r} {h}x{w} c={c} p={p}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Low_plus_high_reconstructs_the_image(int h, int w)
    {
        double[] image = RandomImage(3, h, w, 7);
        foreach (double r in new[] { 0.0, 0.5, 1.0, 2.0, 2.5, 3.0, 6.0 })
        {
            double[] low = Run(FrequencyFilter.LowPass(r), image, 3, h, w);
            double[] high = Run(FrequencyFilter.HighPass(r), image, 3, h, w);
            for (int p = 0; p < image.Length; p++) Assert.True(Math.Abs(low[p] + high[p] - image[p]) < Tolerance, $"r={r} p={p}");
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Radius_zero_low_pass_is_zero_and_high_pass_is_identity(int h, int w)
    {
        double[] image = RandomImage(3, h, w, 11);
        Assert.All(Run(FrequencyFilter.LowPass(0), image, 3, h, w), v => Assert.True(Math.Abs(v) < 1e-9));
        double[] high = Run(FrequencyFilter.HighPass(0), image, 3, h, w);
        for (int p = 0; p < image.Length; p++) Assert.True(Math.Abs(high[p] - image[p]) < Tolerance);
    }

    static double[] Grating(int h, int w, int u0, int v0) =>
        Enumerable.Range(0, h * w).Select(p => Math.Cos(2 * Math.PI * ((double)u0 * (p / w) / h + (double)v0 * (p % w) / w))).ToArray();

    [Theory]
    [InlineData(32, 32, 3, 4)]
    [InlineData(16, 16, 0, 5)]
    [InlineData(15, 15, 3, 4)]
    [InlineData(24, 20, 4, 3)]
    public void A_grating_on_the_boundary_goes_to_the_high_pass(int h, int w, int u0, int v0)
    {
        double d = Math.Sqrt(u0 * u0 + v0 * v0);
        double[] grating = Grating(h, w, u0, v0);
        double[] lowAtD = Run(FrequencyFilter.LowPass(d), grating, 1, h, w);
        double[] highAtD = Run(FrequencyFilter.HighPass(d), grating, 1, h, w);
        double[] lowAbove = Run(FrequencyFilter.LowPass(d + 1e-3), grating, 1, h, w);
        for (int p = 0; p < grating.Length; p++)
        {
            Assert.True(Math.Abs(lowAtD[p]) < Tolerance, "d == r must not pass the low-pass");
            Assert.True(Math.Abs(highAtD[p] - grating[p]) < Tolerance, "d == r must pass the high-pass whole");
            Assert.True(Math.Abs(lowAbove[p] - grating[p]) < Tolerance, "d < r must pass the low-pass whole");
        }
    }

    [Fact]
    public void Square_shape_uses_chebyshev_distance()
    {
        // Grating (3, 4): Euclidean d = 5, Chebyshev d = 4. At r = 4.5 the square low-pass keeps it, the circle removes it.
        double[] grating = Grating(16, 16, 3, 4);
        double[] square = Run(FrequencyFilter.LowPass(4.5, MaskShape.Square), grating, 1, 16, 16);
        double[] circle = Run(FrequencyFilter.LowPass(4.5, MaskShape.Circle), grating, 1, 16, 16);
        for (int p = 0; p < grating.Length; p++)
        {
            Assert.True(Math.Abs(square[p] - grating[p]) < Tolerance);
            Assert.True(Math.Abs(circle[p]) < Tolerance);
        }
        double[] image = RandomImage(1, 9, 12, 5);
        double[] reference = ReferenceFilter.Apply(image, 9, 12, (u, v) => Math.Max(Math.Abs(u), Math.Abs(v)) < 3 ? 1 : 0);
        double[] actual = Run(FrequencyFilter.LowPass(3, MaskShape.Square), image, 1, 9, 12);
        for (int p = 0; p < image.Length; p++) Assert.True(Math.Abs(actual[p] - reference[p]) < Tolerance);
    }

    [Theory]
    [InlineData(32, 32, 4.0)]
    [InlineData(7, 10, 1.5)]
    public void Gaussian_profile_matches_the_reference_and_its_complement(int h, int w, double r)
    {
        double[] image = RandomImage(1, h, w, 3);
        double Gauss(int u, int v) => Math.Exp(-(u * u + v * v) / (2 * r * r));
        double[] low = Run(FrequencyFilter.LowPass(r, profile: MaskProfile.Gaussian), image, 1, h, w);
        double[] high = Run(FrequencyFilter.HighPass(r, profile: MaskProfile.Gaussian), image, 1, h, w);
        double[] refLow = ReferenceFilter.Apply(image, h, w, Gauss);
        double[] refHigh = ReferenceFilter.Apply(image, h, w, (u, v) => 1 - Gauss(u, v));
        for (int p = 0; p < image.Length; p++)
        {
            Assert.True(Math.Abs(low[p] - refLow[p]) < Tolerance);
            Assert.True(Math.Abs(high[p] - refHigh[p]) < Tolerance);
            Assert.True(Math.Abs(low[p] + high[p] - image[p]) < Tolerance);
        }
    }

    [Fact]
    public void Band_pass_keeps_the_annulus()
    {
        double[] image = RandomImage(1, 12, 12, 8);
        double[] actual = Run(FrequencyFilter.BandPass(2, 4), image, 1, 12, 12);
        double[] reference = ReferenceFilter.Apply(image, 12, 12, (u, v) =>
        {
            double d = Math.Sqrt(u * u + v * v);
            return d >= 2 && d < 4 ? 1 : 0;
        });
        for (int p = 0; p < image.Length; p++) Assert.True(Math.Abs(actual[p] - reference[p]) < Tolerance);
    }

    [Theory]
    [InlineData(32, 32)]
    [InlineData(7, 9)]
    [InlineData(10, 5)]
    public void Energy_kept_matches_the_reference(int h, int w)
    {
        double[] image = RandomImage(1, h, w, 21);
        var filters = new[] { FrequencyFilter.LowPass(2), FrequencyFilter.HighPass(3), FrequencyFilter.LowPass(2.5, profile: MaskProfile.Gaussian) };
        using var scope = NewDisposeScope();
        using var bank = new SpectralFilterBank(filters, h, w, CPU);
        Tensor x = tensor(image.Select(v => (float)v).ToArray(), new long[] { 1, 1, h, w });
        double[] energy = bank.EnergyKept(bank.Transform(x)).data<double>().ToArray();
        double[] expected =
        {
            ReferenceFilter.EnergyKept(image, h, w, (u, v) => IdealLow(u, v, 2)),
            ReferenceFilter.EnergyKept(image, h, w, (u, v) => 1 - IdealLow(u, v, 3)),
            ReferenceFilter.EnergyKept(image, h, w, (u, v) => Math.Exp(-(u * u + v * v) / (2 * 2.5 * 2.5))),
        };
        for (int f = 0; f < filters.Length; f++) Assert.True(Math.Abs(energy[f] - expected[f]) < 1e-5, $"{filters[f]}: {energy[f]} vs {expected[f]}");
    }

    [Fact]
    public void Coefficients_kept_is_the_mask_mean_and_saturates_past_the_corner()
    {
        // On 32x32 the farthest corner is at sqrt(16^2 + 16^2) ≈ 22.6.
        Assert.Equal(1.0, CentredMask.Build(FrequencyFilter.LowPass(23), 32, 32).CoefficientsKept);
        Assert.True(CentredMask.Build(FrequencyFilter.LowPass(22.6), 32, 32).CoefficientsKept < 1.0);
        Assert.Equal(0.0, CentredMask.Build(FrequencyFilter.LowPass(0), 32, 32).CoefficientsKept);
        // r = 1 keeps only DC: one coefficient of 1024.
        Assert.Equal(1.0 / 1024, CentredMask.Build(FrequencyFilter.LowPass(1), 32, 32).CoefficientsKept);
    }

    [Fact]
    public void DC_sits_at_half_height_and_half_width_for_odd_and_even_sizes()
    {
        foreach ((int h, int w) in new[] { (8, 8), (7, 7), (6, 9) })
        {
            CentredMask mask = CentredMask.Build(FrequencyFilter.LowPass(1), h, w);
            for (int i = 0; i < h; i++)
            {
                for (int j = 0; j < w; j++) Assert.Equal(i == h / 2 && j == w / 2 ? 1.0 : 0.0, mask[i, j]);
            }
        }
    }
}
