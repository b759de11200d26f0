using FreqProbe.Core.Models;
using FreqProbe.Core.Spectral;
using FreqProbe.Core.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Models;

public sealed class OmniDimensionalConvTests
{
    static void Zero(nn.Module module, string prefix)
    {
        using var guard = no_grad();
        foreach ((string key, Tensor t) in module.state_dict())
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal)) t.zero_();
        }
    }

    // With zero heads every sigmoid is 1/2 and the kernel softmax is 1/K: a bank of K copies of W then computes
    // (1/2)³ · conv(x, W), whatever the pooled input.
    [Fact]
    public void Zero_attention_heads_over_identical_kernels_give_one_eighth_of_the_ordinary_convolution()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var conv = new OmniDimensionalConv2d(6, 5, 3, stride: 2, padding: 1, kernels: 4);
        Tensor w = randn(5, 6, 3, 3);
        using (no_grad())
        {
            for (int k = 0; k < 4; k++) conv.Weight[k].copy_(w);
        }
        foreach (string head in new[] { "channel_fc", "filter_fc", "spatial_fc", "kernel_fc" }) Zero(conv, "attention." + head);
        conv.eval();
        Tensor x = randn(3, 6, 9, 9);
        using var guard = no_grad();
        Tensor y = conv.forward(x);
        Tensor expected = nn.functional.conv2d(x, w, strides: new long[] { 2, 2 }, padding: new long[] { 1, 1 }).mul(0.125);
        Assert.Equal(new long[] { 3, 5, 5, 5 }, y.shape);
        Assert.True(y.allclose(expected, rtol: 1e-5, atol: 1e-5), $"max diff {(y - expected).abs().max().item<float>()}");
    }

    // The batched forward (one grouped convolution, a group per sample) against each sample alone and the ODConv formula
    // written out per sample: filter ⊙ conv(channel ⊙ x, spatial ⊙ Σ_k kernel_k W_k).
    [Fact]
    public void Each_sample_is_convolved_with_its_own_mixture_of_the_bank()
    {
        using var scope = NewDisposeScope();
        using var conv = new OmniDimensionalConv2d(4, 3, 3, stride: 1, padding: 1, kernels: 3);
        (Tensor x, Tensor batched) = LayerProbe.Hashed(conv, new long[] { 4, 4, 7, 7 }, scale: 3, seed: 2);
        using var guard = no_grad();
        var attention = LayerProbe.Child<OmniAttention>(conv, "attention");
        double scale = batched.abs().max().item<float>();
        for (int b = 0; b < 4; b++)
        {
            Tensor xb = x[b].unsqueeze(0);
            (Tensor channel, Tensor filter, Tensor spatial, Tensor kernel) = attention.Weights(xb);
            Tensor mixed = zeros(3, 4, 3, 3);
            for (int k = 0; k < 3; k++) mixed += conv.Weight[k] * kernel[0, k];
            mixed *= spatial.view(1, 1, 3, 3);
            Tensor alone = nn.functional.conv2d(xb * channel.view(1, 4, 1, 1), mixed, padding: new long[] { 1, 1 }) * filter.view(1, 3, 1, 1);
            Assert.True(alone.allclose(batched[b].unsqueeze(0), rtol: 1e-4, atol: 1e-5 * scale), $"sample {b}");
            Assert.True(conv.forward(xb).allclose(alone, rtol: 1e-4, atol: 1e-5 * scale), $"sample {b} alone");
        }
        Assert.True(KernelSpread(attention, x) > 1e-3, "the hashed attention should mix the kernels differently per sample");
    }

    static double KernelSpread(OmniAttention attention, Tensor x) => attention.forward(x).std(0).max().item<float>();

    [Fact]
    public void The_model_keeps_ODConv_key_names_so_kernels_reads_its_eighteen_banks()
    {
        using var scope = NewDisposeScope();
        using var model = ModelRegistry.Get("cifar-odresnet20").Create(10);
        Dictionary<string, Tensor> state = model.state_dict();
        Assert.Equal(new long[] { 4, 16, 16, 3, 3 }, state["layer1.0.conv1.weight"].shape);
        Assert.Equal(new long[] { 4, 64, 32, 3, 3 }, state["layer3.0.conv1.weight"].shape);
        Assert.Equal(new long[] { 16, 32, 1, 1 }, state["layer3.0.conv1.attention.fc.weight"].shape);
        Assert.Equal(new long[] { 4, 16, 1, 1 }, state["layer3.0.conv1.attention.kernel_fc.weight"].shape);
        Assert.Equal(new long[] { 9, 16, 1, 1 }, state["layer3.0.conv1.attention.spatial_fc.weight"].shape);
        Assert.Equal(new long[] { 16, 3, 3, 3 }, state["conv1.weight"].shape); // the stem stays ordinary

        (IReadOnlyList<KernelBank> banks, IReadOnlyList<string> problems) = KernelBankLayouts.Find(state);
        Assert.Empty(problems);
        Assert.Equal(18, banks.Count);
        Assert.All(banks, bank => Assert.Equal("odconv", bank.Layout));
        // Independently drawn kernels: the groups of a fresh bank are far from identical.
        Tensor bank = state["layer2.1.conv2.weight"].flatten(1);
        double cosine = nn.functional.cosine_similarity(bank[0].unsqueeze(0), bank[1].unsqueeze(0)).item<float>();
        Assert.True(Math.Abs(cosine) < 0.2, $"fresh kernels 0 and 1 have cosine {cosine}");
    }

    [Fact]
    public void A_fresh_model_starts_with_uniform_attentions()
    {
        using var scope = NewDisposeScope();
        using var conv = new OmniDimensionalConv2d(8, 8, 3, stride: 1, padding: 1, kernels: 4);
        var attention = LayerProbe.Child<OmniAttention>(conv, "attention");
        using var guard = no_grad();
        (Tensor channel, Tensor filter, Tensor spatial, Tensor kernel) = attention.Weights(randn(5, 8, 6, 6));
        foreach (Tensor half in new[] { channel, filter, spatial }) Assert.True(half.allclose(full_like(half, 0.5)));
        Assert.True(kernel.allclose(full_like(kernel, 0.25)));
    }

    [Fact]
    public void Banks_from_copies_start_nearly_equal_and_load_into_the_ordinary_odconv_model()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var copies = ModelRegistry.Get("cifar-odresnet20-copies").Create(10);
        Dictionary<string, Tensor> state = copies.state_dict();
        foreach (string layer in new[] { "layer1.0.conv1", "layer3.2.conv2" })
        {
            Tensor bank = state[layer + ".weight"].flatten(1);
            for (int k = 1; k < 4; k++)
            {
                double cosine = nn.functional.cosine_similarity(bank[0].unsqueeze(0), bank[k].unsqueeze(0)).item<float>();
                // 1 / (1 + 0.1²) = 0.990 expected; independent draws give about 0.
                Assert.InRange(cosine, 0.97, 0.999);
            }
        }
        using var plain = ModelRegistry.Get("cifar-odresnet20").Create(10);
        plain.load_state_dict(state, strict: true);
        Assert.True(plain.state_dict()["layer2.1.conv2.weight"].eq(state["layer2.1.conv2.weight"]).all().item<bool>());
    }
}
