using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Support;

/// <summary>Helpers for tests that check one layer's batched forward against its formula written out per sample.</summary>
public static class LayerProbe
{
    /// <summary>
    /// Fills <paramref name="layer"/> with <see cref="HashedWeights"/>, puts it in eval mode and runs it without gradients on
    /// a seeded normal input of <paramref name="shape"/> times <paramref name="scale"/>: the input and the output.
    /// </summary>
    public static (Tensor Input, Tensor Output) Hashed(nn.Module<Tensor, Tensor> layer, long[] shape, double scale, int seed)
    {
        HashedWeights.Fill(layer);
        layer.eval();
        manual_seed(seed);
        Tensor x = randn(shape).mul(scale);
        using var guard = no_grad();
        return (x, layer.forward(x));
    }

    /// <summary>The submodule of <paramref name="module"/> at <paramref name="path"/>, as <typeparamref name="T"/>.</summary>
    public static T Child<T>(nn.Module module, string path) where T : nn.Module => (T)module.named_modules().Single(m => m.name == path).module;
}
