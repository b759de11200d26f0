using System.Runtime.InteropServices;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Evaluation;

/// <summary>
/// A real GPU running out of memory cannot happen on this CPU-only machine, so the model here is a real ResNet
/// behind a gate that fails the way libtorch does (an ExternalException saying "CUDA out of memory") whenever a
/// forward pass holds more images than the gate allows.
/// </summary>
public sealed class AdaptiveForwardTests
{
    static Func<Tensor, Tensor> Gated(nn.Module<Tensor, Tensor> model, long maxRows, List<long> seen) => input =>
    {
        seen.Add(input.shape[0]);
        if (input.shape[0] > maxRows) throw new ExternalException("CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79.10 GiB total capacity)");
        return model.forward(input);
    };

    static string Row(long row) => $"row {row}";

    static nn.Module<Tensor, Tensor> EvaluationModel(long seed)
    {
        torch.manual_seed(seed);
        nn.Module<Tensor, Tensor> model = ModelRegistry.Get("cifar-resnet20").Create(10);
        model.eval();
        return model;
    }

    [Fact]
    public void Halves_the_forward_batch_until_it_fits_and_the_logits_do_not_change()
    {
        using nn.Module<Tensor, Tensor> model = EvaluationModel(5);
        using var guard = no_grad();
        using Tensor input = rand(37, 3, 32, 32);
        using Tensor whole = model.forward(input);

        var notices = new List<string>();
        var seen = new List<long>();
        var forward = new AdaptiveForward(notices.Add);
        using Tensor chunked = forward.Logits(Gated(model, 10, seen), input, 10, Row);

        Assert.Equal(new long[] { 37, 18, 9, 9, 9, 9, 1 }, seen);
        Assert.Equal(9L, forward.Cap);
        Assert.Equal(2, notices.Count);
        Assert.Contains("37 images per forward pass; retrying with 18", notices[0], StringComparison.Ordinal);
        Assert.Equal(0.0, (chunked - whole).abs().max().item<float>(), 5);

        // The smaller size sticks: the next call goes straight to chunks of 9.
        seen.Clear();
        using Tensor again = forward.Logits(Gated(model, 10, seen), input, 10, Row);
        Assert.Equal(new long[] { 9, 9, 9, 9, 1 }, seen);
    }

    [Fact]
    public void Gives_up_at_one_image_and_passes_other_errors_through()
    {
        using nn.Module<Tensor, Tensor> model = EvaluationModel(6);
        using var guard = no_grad();
        using Tensor input = rand(4, 3, 32, 32);
        var forward = new AdaptiveForward();
        InputException tooBig = Assert.Throws<InputException>(() => forward.Logits(Gated(model, 0, new List<long>()), input, 10, Row));
        Assert.Contains("the model runs out of memory on a single input of shape [1, 3, 32, 32] (CUDA out of memory.", tooBig.Message, StringComparison.Ordinal);
        Assert.Equal(1L, forward.Cap);
        InputException raised = Assert.Throws<InputException>(() => new AdaptiveForward().Logits(_ => throw new ExternalException("Expected 4-D input, got 3-D"), input, 10, Row));
        Assert.Contains("the model failed on its input (shape [1, 3, 32, 32] per image): Expected 4-D input, got 3-D", raised.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => new AdaptiveForward().Logits(_ => throw new InvalidOperationException("shape mismatch"), input, 10, Row));
        Assert.False(FreqProbe.Core.Native.LibTorchErrors.IsOutOfMemory(new ExternalException("Expected 4-D input")));
    }
}
