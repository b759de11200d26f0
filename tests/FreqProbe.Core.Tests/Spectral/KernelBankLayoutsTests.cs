using FreqProbe.Core.Spectral;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Spectral;

public sealed class KernelBankLayoutsTests
{
    static Dictionary<string, Tensor> Dict(params (string Key, long[] Shape)[] entries)
    {
        torch.manual_seed(11);
        return entries.ToDictionary(e => e.Key, e => randn(e.Shape, ScalarType.Float64));
    }

    // An FDConv layer's state dict as FDConv's convert2dftweight makes it (the half spectrum of a real (out*k) x (in*k)
    // weight becomes dft_weight), read back as its K groups.
    static (KernelBank Bank, Tensor DftWeight) FdConvBank(int outChannels, int inChannels, int k, int groups)
    {
        var dict = Dict(("conv.weight", new long[] { outChannels * k, inChannels * k }),
            ("conv.KSM_Global.kernel_fc.weight", new long[] { groups, 16, 1, 1 }),
            ("conv.KSM_Global.filter_fc.weight", new long[] { outChannels, 16, 1, 1 }),
            ("conv.KSM_Global.channel_fc.weight", new long[] { inChannels, 16, 1, 1 }),
            ("conv.bias", new long[] { outChannels }));
        using (Tensor half = fft.rfft2(dict["conv.weight"]))
        {
            dict["conv.dft_weight"] = stack(new[] { half.real, half.imag }, -1).unsqueeze(0).contiguous();
        }
        dict.Remove("conv.weight");
        (IReadOnlyList<KernelBank> banks, IReadOnlyList<string> problems) = KernelBankLayouts.Find(dict);
        Assert.Empty(problems);
        KernelBank bank = Assert.Single(banks);
        Assert.Equal(("conv", "fdconv"), (bank.Layer, bank.Layout));
        Assert.Equal(new long[] { groups, outChannels, inChannels, k, k }, bank.Groups.shape);
        return (bank, dict["conv.dft_weight"]);
    }

    [Fact]
    public void An_fdconv_bank_built_as_fdconv_builds_it_has_orthogonal_groups_whose_kernel_spectra_still_overlap()
    {
        const int outChannels = 8, inChannels = 12, k = 3;
        (KernelBank bank, Tensor dft) = FdConvBank(outChannels, inChannels, k, groups: 4);

        // The groups partition the coefficients: together they are the inverse FFT of the whole half spectrum.
        using Tensor whole = fft.irfft2(view_as_complex(dft[0].contiguous()), s: new long[] { outChannels * k, inChannels * k })
            .reshape(outChannels, k, inChannels, k).permute(0, 2, 1, 3);
        Assert.True(bank.Groups.sum(new long[] { 0 }).allclose(whole, rtol: 1e-9, atol: 1e-12));

        BankFigures f = KernelBankFigures.Analyse(bank.Layer, bank.Layout, bank.Groups, 16);
        Assert.True(Math.Abs(f.WeightCosine) < 1e-9, $"weight cosine {f.WeightCosine}");   // disjoint frequencies on the big grid
        Assert.True(f.SpectrumCosine > 0.1, $"spectrum cosine {f.SpectrumCosine}");       // but every 3x3 kernel spans the spectrum
        Assert.True(f.Overlap > 0.1, $"overlap {f.Overlap}");
    }

    [Fact]
    public void An_fdconv_group_boundary_inside_a_run_of_equal_frequencies_can_split_a_mirror_pair_and_couple_two_groups()
    {
        // At 8 x 8 channels with 3x3 kernels and K = 4, the boundary between groups 2 and 3 cuts a run of equal
        // frequencies holding a Hermitian mirror pair of the Nyquist column: those two groups are no longer orthogonal.
        (KernelBank bank, _) = FdConvBank(8, 8, 3, groups: 4);
        using Tensor flat = bank.Groups.reshape(4, -1);
        double[] gram = flat.matmul(flat.t()).data<double>().ToArray();
        Assert.True(Math.Abs(gram[2 * 4 + 3]) > 1e-6, $"groups 2 and 3: {gram[2 * 4 + 3]}");
        Assert.True(Math.Abs(gram[0 * 4 + 1]) < 1e-9 && Math.Abs(gram[1 * 4 + 2]) < 1e-9, "the other neighbours stay orthogonal");
    }

    [Fact]
    public void The_frequency_order_starts_at_dc_and_never_decreases()
    {
        int[] order = KernelBankLayouts.FrequencyOrder(24, 18);
        Assert.Equal(24 * 10, order.Length);
        Assert.Equal(0, order[0]);
        Assert.Equal(order.Length, order.Distinct().Count());
        static double Norm(int cell) => Math.Sqrt(Math.Pow((cell / 10 < 12 ? cell / 10 : cell / 10 - 24) / 24.0, 2) + Math.Pow(cell % 10 / 18.0, 2));
        Assert.All(order.Zip(order.Skip(1)), p => Assert.True(Norm(p.First) <= Norm(p.Second) + 1e-15));
    }

    [Fact]
    public void Odconv_and_condconv_banks_are_read_and_ordinary_convolutions_left_alone()
    {
        var dict = Dict(("layer1.conv1.weight", new long[] { 4, 8, 4, 3, 3 }), ("layer1.conv1.attention.kernel_fc.weight", new long[] { 4, 16, 1, 1 }),
            ("stem.weight", new long[] { 16, 3, 3, 3 }),
            ("blocks.0.conv_pw.weight", new long[] { 3, 8 * 3 * 9 }), ("blocks.0.conv_pw.routing_fn.weight", new long[] { 3, 3 }),
            ("blocks.0.conv_pw.bias", new long[] { 3, 8 }));
        (IReadOnlyList<KernelBank> banks, IReadOnlyList<string> problems) = KernelBankLayouts.Find(dict);
        Assert.Empty(problems);
        Assert.Equal(new[] { "blocks.0.conv_pw", "layer1.conv1" }, banks.Select(b => b.Layer));
        KernelBank cond = banks[0];
        Assert.Equal(new long[] { 3, 8, 3, 3, 3 }, cond.Groups.shape);
        Assert.True(cond.Groups[1].flatten().allclose(dict["blocks.0.conv_pw.weight"][1], rtol: 0, atol: 0));    // row-major
        Assert.Equal("odconv", banks[1].Layout);
    }

    [Fact]
    public void Layouts_that_would_need_a_guess_are_reported_not_read()
    {
        var dict = Dict(("a.weight", new long[] { 4, 8, 4, 3, 3 }),                                               // 5-D, no attention
            ("b.weight", new long[] { 3, 8 * 9 }), ("b.routing_fn.weight", new long[] { 3, 9 }),                   // no bias: out unknown
            ("c.weight", new long[] { 3, 18 * 9 }), ("c.routing_fn.weight", new long[] { 3, 9 }), ("c.bias", new long[] { 3, 18 }), // 1x1, or depthwise 3x3
            ("d.dft_weight", new long[] { 1, 24, 10, 2 }),                                                        // no KSM_Global siblings
            ("e.dft_weight", new long[] { 1, 24, 11, 2 }), ("e.KSM_Global.kernel_fc.weight", new long[] { 4, 16, 1, 1 }),
            ("e.KSM_Global.filter_fc.weight", new long[] { 8, 16, 1, 1 }), ("e.KSM_Global.channel_fc.weight", new long[] { 6, 16, 1, 1 }));
        (IReadOnlyList<KernelBank> banks, IReadOnlyList<string> problems) = KernelBankLayouts.Find(dict);
        Assert.Empty(banks);
        Assert.Equal(5, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("a.weight: a 5-D weight [4, 8, 4, 3, 3] without a.attention.*", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("b.weight: CondConv layout not read: no bias", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("both with groups = 1 and depthwise", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("d.dft_weight: FDConv layout not read: KSM_Global", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("11 columns; expected in*k/2+1 = 10", StringComparison.Ordinal));
    }
}
