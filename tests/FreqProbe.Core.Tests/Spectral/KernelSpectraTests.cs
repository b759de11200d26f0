using FreqProbe.Core.Models;
using FreqProbe.Core.Spectral;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Spectral;

public sealed class KernelSpectraTests
{
    const int N = 32;

    static readonly double[] Box = { 1, 1, 1, 1, 1, 1, 1, 1, 1 };
    static readonly double[] Laplacian = { 0, 1, 0, 1, -4, 1, 0, 1, 0 };

    static Tensor Weights(params double[][] kernels) =>
        tensor(kernels.SelectMany(k => k).ToArray(), new long[] { kernels.Length, 1, 3, 3 });

    // The band shares of one 3x3 kernel, zero-padded to N×N, from the MathNet reference DFT.
    static double[] ReferenceBands(double[] kernel)
    {
        var plane = new double[N * N];
        for (int y = 0; y < 3; y++) for (int x = 0; x < 3; x++) plane[y * N + x] = kernel[y * 3 + x];
        double F(int u, int v) => Math.Sqrt((double)u * u + (double)v * v) / (N / 2);
        return new[]
        {
            ReferenceFilter.EnergyKept(plane, N, N, (u, v) => F(u, v) < 0.25 ? 1 : 0),
            ReferenceFilter.EnergyKept(plane, N, N, (u, v) => F(u, v) >= 0.25 && F(u, v) < 0.5 ? 1 : 0),
            ReferenceFilter.EnergyKept(plane, N, N, (u, v) => F(u, v) >= 0.5 ? 1 : 0),
        };
    }

    [Fact]
    public void A_box_filter_is_low_pass_and_a_laplacian_high_pass_matching_the_reference_dft()
    {
        LayerSpectrum box = KernelSpectra.Analyse("box", Weights(Box), N, KernelSpectra.DefaultEdges);
        LayerSpectrum laplacian = KernelSpectra.Analyse("laplacian", Weights(Laplacian), N, KernelSpectra.DefaultEdges);
        double[] boxReference = ReferenceBands(Box), laplacianReference = ReferenceBands(Laplacian);
        for (int b = 0; b < 3; b++)
        {
            Assert.Equal(boxReference[b], box.BandEnergy[b], 9);
            Assert.Equal(laplacianReference[b], laplacian.BandEnergy[b], 9);
        }
        // The low band is about 5% of the grid: a box puts a third of its energy there, a Laplacian almost none.
        Assert.True(box.BandEnergy[0] > 0.3 && box.BandEnergy[2] < 0.25, $"box: {string.Join(", ", box.BandEnergy)}");
        Assert.True(laplacian.BandEnergy[2] > 0.6 && laplacian.BandEnergy[0] < 0.05, $"laplacian: {string.Join(", ", laplacian.BandEnergy)}");
        LayerSpectrum allPass = KernelSpectra.Analyse("1x1", tensor(new double[] { 2, -1 }, new long[] { 2, 1, 1, 1 }), N, KernelSpectra.DefaultEdges);
        Assert.All(allPass.RadialProfile, v => Assert.Equal(1.0, v, 9));
        Assert.True(box.RadialProfile[1] > 1 && box.RadialProfile[15] < 1 && laplacian.RadialProfile[1] < 1 && laplacian.RadialProfile[15] > 1);
        Assert.True(box.RadialProfile.Take(4).Sum() > 5 * laplacian.RadialProfile.Take(4).Sum(), "the box should hold far more energy within 3 cycles of DC");
    }

    [Fact]
    public void Identical_channels_have_diversity_one_and_rank_one_and_different_ones_do_not()
    {
        LayerSpectrum same = KernelSpectra.Analyse("same", Weights(Laplacian, Laplacian, Laplacian, Laplacian), N, KernelSpectra.DefaultEdges);
        Assert.Equal(1.0, same.Diversity, 9);
        Assert.Equal(1.0, same.EffectiveRank, 6);

        // A scaled copy is the same response: cosine similarity ignores the gain.
        double[] scaled = Laplacian.Select(v => 3 * v).ToArray();
        Assert.Equal(1.0, KernelSpectra.Analyse("scaled", Weights(Laplacian, scaled), N, KernelSpectra.DefaultEdges).Diversity, 9);

        LayerSpectrum mixed = KernelSpectra.Analyse("mixed", Weights(Box, Laplacian), N, KernelSpectra.DefaultEdges);
        Assert.InRange(mixed.Diversity, 0.0, 0.9);
        Assert.True(mixed.EffectiveRank > 1.2, $"effective rank {mixed.EffectiveRank}");
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void Every_convolution_of_a_registry_model_is_analysed_and_filtered_by_name()
    {
        torch.manual_seed(1);
        using nn.Module<Tensor, Tensor> model = ModelRegistry.Get("cifar-resnet20").Create(10);
        var all = KernelSpectra.Analyse(model, N, KernelSpectra.DefaultEdges);
        Assert.Equal(21, all.Count); // stem, 3 stages x 3 blocks x 2, and the projection shortcuts of stages 2 and 3
        Assert.Equal("conv1", all[0].Layer);
        Assert.All(all, l => Assert.Equal(1.0, l.BandEnergy.Sum(), 9));
        Assert.All(all, l => Assert.Equal(l.OutChannels * N * N, l.ChannelSpectra.Length));
        var stage3 = KernelSpectra.Analyse(model, N, KernelSpectra.DefaultEdges, "^layer3\\.\\d+\\.conv");
        Assert.Equal(6, stage3.Count);
        Assert.All(stage3, l => Assert.Equal(64, l.OutChannels));
        Assert.Equal("size", Assert.Throws<InputException>(() => KernelSpectra.Analyse(model, 2, KernelSpectra.DefaultEdges)).Setting);
    }
}
