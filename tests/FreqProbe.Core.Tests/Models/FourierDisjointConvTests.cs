using FreqProbe.Core.Models;
using FreqProbe.Core.Spectral;
using FreqProbe.Core.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Models;

public sealed class FourierDisjointConvTests
{
    static Tensor State(nn.Module module, string key) => module.state_dict()[key];

    // Sets every modulation to 1 and the kernel attention to 1/K: all heads' weights and biases, KSM_Local's convolution
    // and the band-weight convolutions to zero.
    static void Uniform(FourierDisjointConv2d conv)
    {
        using var guard = no_grad();
        foreach ((string key, Tensor t) in conv.state_dict())
        {
            bool head = key.StartsWith("KSM_Global.", StringComparison.Ordinal) && key.Contains("_fc.", StringComparison.Ordinal);
            if (head || key.StartsWith("KSM_Local.conv.", StringComparison.Ordinal) || key.StartsWith("FBM.", StringComparison.Ordinal)) t.zero_();
        }
    }

    // The (out·k) × (in·k) reading of a kernel [out, in, k, k], as FDConv reads it.
    static Tensor Matrix(Tensor kernel) => kernel.permute(0, 2, 1, 3).reshape(kernel.shape[0] * kernel.shape[2], kernel.shape[1] * kernel.shape[3]);

    static void SetKernel(FourierDisjointConv2d conv, Tensor kernel, long half)
    {
        using var guard = no_grad();
        Tensor spectrum = fft.rfft2(Matrix(kernel));
        conv.DftWeight.copy_(stack(new[] { spectrum.real, spectrum.imag }, -1).div(half).unsqueeze(0));
    }

    [Fact]
    public void The_groups_reconstruct_the_full_kernel_and_are_the_groups_kernels_reads()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var conv = new FourierDisjointConv2d(6, 4, 3, stride: 1, padding: 1, groups: 4);
        Tensor w = randn(4, 6, 3, 3);
        SetKernel(conv, w, half: 2);
        using var guard = no_grad();
        Tensor groups = conv.GroupKernels();                                   // α = 2 · 4 included
        Assert.Equal(new long[] { 4, 4, 6, 3, 3 }, groups.shape);
        Assert.True(groups.mean(new long[] { 0 }).allclose(w, rtol: 1e-4, atol: 1e-5), "the mean of the groups is not the kernel");
        // No group alone is the kernel: each holds a quarter of the spectrum.
        for (int g = 0; g < 4; g++) Assert.False(groups[g].div(4).allclose(w, rtol: 0.1, atol: 0.1), $"group {g} is the whole kernel");
        // `freqprobe kernels` rebuilds the same groups from the state dict (without α).
        Tensor read = KernelBankLayouts.FdConvGroups(State(conv, "dft_weight"), 4, 4, 6, 3).to(ScalarType.Float32);
        Assert.True(read.mul(8).allclose(groups, rtol: 1e-4, atol: 1e-5), $"max diff {(read.mul(8) - groups).abs().max().item<float>()}");
        // Disjoint frequencies: in this shape ((12 × 18) no boundary cuts a mirror pair) the groups are orthogonal.
        Tensor flat = groups.flatten(1);
        Tensor gram = flat.mm(flat.t());
        double diagonal = gram.diag().min().item<float>();
        Tensor offDiagonal = gram - diag(gram.diag());
        Assert.True(offDiagonal.abs().max().item<float>() < 1e-4 * diagonal, $"groups not orthogonal: {offDiagonal.abs().max().item<float>()} against {diagonal}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void With_uniform_modulation_the_layer_is_the_static_convolution_with_the_summed_kernel(long stride)
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        using var conv = new FourierDisjointConv2d(16, 32, 3, stride, padding: 1, groups: 4);
        HashedWeights.Fill(conv);
        Uniform(conv);
        conv.eval();
        using var guard = no_grad();
        Tensor summed = conv.GroupKernels().mean(new long[] { 0 });            // a_g = 2·sigmoid(0)/K = 1/K
        Tensor x = randn(3, 16, 12, 12);
        Tensor expected = nn.functional.conv2d(x, summed, strides: new[] { stride, stride }, padding: new long[] { 1, 1 });
        Tensor y = conv.forward(x);
        double scale = expected.abs().max().item<float>();
        Assert.True(scale > 0.1, $"outputs too small to compare ({scale})");
        Assert.True(y.allclose(expected, rtol: 1e-4, atol: 1e-5 * scale), $"max diff {(y - expected).abs().max().item<float>()}");
    }

    // The batched forward against FDConv's formula written out per sample as its official code computes it: the
    // attention-weighted half spectrum Σ_g a_g α·dft⊙mask_g, one inverse FFT, the modulations, the band-modulated input.
    [Fact]
    public void Each_sample_gets_the_inverse_fft_of_its_attention_weighted_spectrum()
    {
        using var scope = NewDisposeScope();
        using var conv = new FourierDisjointConv2d(16, 16, 3, stride: 1, padding: 1, groups: 4);
        (Tensor x, Tensor batched) = LayerProbe.Hashed(conv, new long[] { 3, 16, 8, 8 }, scale: 2, seed: 3);
        using var guard = no_grad();
        var global = LayerProbe.Child<FdGlobalModulation>(conv, "KSM_Global");
        var local = LayerProbe.Child<FdLocalModulation>(conv, "KSM_Local");
        var bands = LayerProbe.Child<FrequencyBandModulation>(conv, "FBM");
        int[] order = KernelBankLayouts.FrequencyOrder(48, 48);
        Tensor dft = State(conv, "dft_weight")[0].reshape(-1, 2);
        double scale = batched.abs().max().item<float>();
        Tensor attentionsSpread = zeros(1);
        for (int b = 0; b < 3; b++)
        {
            Tensor pooled = x[b].unsqueeze(0).mean(new long[] { 2, 3 }, keepdim: true);
            (Tensor channel, Tensor filter, Tensor spatial, Tensor kernel) = global.Weights(pooled);
            Tensor modulation = local.Weights(pooled, 16, 3);
            var map = zeros(48 * 25, 2);
            for (int i = 0; i < order.Length; i++) map[order[i]] = dft[order[i]] * (8 * 4) * kernel[0, i / (order.Length / 4)];
            Tensor weights = fft.irfft2(view_as_complex(map.reshape(48, 25, 2)), s: new long[] { 48, 48 })
                .reshape(16, 3, 16, 3).permute(0, 2, 1, 3).unsqueeze(0);
            weights = weights * spatial.view(1, 1, 1, 3, 3) * modulation;
            Tensor input = bands.forward(x[b].unsqueeze(0)) * channel.view(1, 16, 1, 1);
            Tensor alone = nn.functional.conv2d(input, weights[0], padding: new long[] { 1, 1 }) * filter.view(1, 16, 1, 1);
            Assert.True(alone.allclose(batched[b].unsqueeze(0), rtol: 1e-4, atol: 1e-5 * scale), $"sample {b}: max diff {(alone - batched[b]).abs().max().item<float>()}");
            attentionsSpread = attentionsSpread.add(kernel.std());
        }
        Assert.True(attentionsSpread.item<float>() > 1e-3, "the hashed weights should give unequal kernel attentions");
    }

    // Band modulation: with all band weights 1 the input passes unchanged; with the band above 1/4 cycles per pixel
    // weighted 0 a grating at 3/8 cycles per pixel is removed and one at 1/8 kept.
    [Fact]
    public void Band_modulation_passes_the_input_at_weight_one_and_removes_a_band_at_weight_zero()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        using var conv = new FourierDisjointConv2d(16, 16, 3, stride: 1, padding: 1, groups: 4);
        Uniform(conv);
        var bands = LayerProbe.Child<FrequencyBandModulation>(conv, "FBM");
        using var guard = no_grad();
        Tensor x = randn(2, 16, 16, 16);
        Assert.True(bands.forward(x).allclose(x, rtol: 1e-5, atol: 1e-5));

        Tensor columns = arange(16, ScalarType.Float32).view(1, 1, 1, 16).expand(1, 16, 16, 16);
        Tensor high = cos(columns * (2 * Math.PI * 6 / 16)), low = cos(columns * (2 * Math.PI * 2 / 16));
        State(conv, "FBM.freq_weight_conv_list.0.bias").fill_(-40);          // 2·sigmoid(-40) ≈ 0 on the band above 1/4
        Assert.True(bands.forward(high).abs().max().item<float>() < 1e-4, "the 3/8 grating survived its band's zero weight");
        Assert.True(bands.forward(low).allclose(low, rtol: 1e-5, atol: 1e-5), "the 1/8 grating was changed");
        Assert.True(bands.forward(high + low).allclose(low, rtol: 1e-4, atol: 1e-4));
    }

    [Fact]
    public void The_model_keeps_FDConv_key_names_so_kernels_reads_its_eighteen_banks()
    {
        using var scope = NewDisposeScope();
        using var model = ModelRegistry.Get("cifar-fdresnet20").Create(10);
        Dictionary<string, Tensor> state = model.state_dict();
        Assert.Equal(new long[] { 1, 48, 25, 2 }, state["layer1.0.conv1.dft_weight"].shape);
        Assert.Equal(new long[] { 1, 192, 49, 2 }, state["layer3.0.conv1.dft_weight"].shape);
        Assert.Equal(new long[] { 4, 16, 1, 1 }, state["layer3.0.conv1.KSM_Global.kernel_fc.weight"].shape);
        Assert.Equal(new long[] { 64, 16, 1, 1 }, state["layer3.0.conv1.KSM_Global.filter_fc.weight"].shape);
        Assert.Equal(new long[] { 1 }, state["layer3.0.conv1.KSM_Global.relu.scale"].shape);
        Assert.Equal(new long[] { 576, 1, 3 }, state["layer3.0.conv1.KSM_Local.conv.weight"].shape);   // 32 channels: width 3
        Assert.Equal(new long[] { 576, 1, 5 }, state["layer3.1.conv1.KSM_Local.conv.weight"].shape);   // 64 channels: width 5
        Assert.Equal(new long[] { 1, 64, 3, 3 }, state["layer3.1.conv1.FBM.freq_weight_conv_list.2.weight"].shape);
        Assert.DoesNotContain("layer1.0.conv1.weight", state.Keys);
        Assert.Equal(new long[] { 16, 3, 3, 3 }, state["conv1.weight"].shape); // the stem stays ordinary

        (IReadOnlyList<KernelBank> banks, IReadOnlyList<string> problems) = KernelBankLayouts.Find(state);
        Assert.Empty(problems);
        Assert.Equal(18, banks.Count);
        Assert.All(banks, bank => Assert.Equal("fdconv", bank.Layout));
        Assert.Equal(new long[] { 4, 64, 32, 3, 3 }, banks.Single(b => b.Layer == "layer3.0.conv1").Groups.shape);
        // Fewer parameters than ODConv: one spectrum of about one kernel's size against four kernels.
        long Count(string name)
        {
            using var m = ModelRegistry.Get(name).Create(10);
            return m.parameters().Sum(p => p.numel());
        }
        Assert.True(Count("cifar-fdresnet20") < Count("cifar-odresnet20"));
    }
}
