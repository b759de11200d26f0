using FreqProbe.Core.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Models;

public sealed class TrainingSafeBatchNorm2dTests
{
    [Fact]
    public void Matches_TorchSharp_BatchNorm2d_in_training_and_evaluation()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        using var ours = new TrainingSafeBatchNorm2d(4);
        using var reference = nn.BatchNorm2d(4);
        Assert.Equal(reference.state_dict().Keys.Order(StringComparer.Ordinal), ours.state_dict().Keys.Order(StringComparer.Ordinal));
        for (int step = 0; step < 3; step++)
        {
            Tensor x = randn(5, 4, 6, 6) * 3 + 1;
            Assert.True(ours.forward(x).allclose(reference.forward(x), rtol: 1e-5, atol: 1e-6));
        }
        Assert.True(ours.running_mean!.allclose(reference.running_mean!));
        Assert.True(ours.running_var!.allclose(reference.running_var!));
        Assert.Equal(3L, ours.num_batches_tracked!.item<long>());
        ours.eval();
        reference.eval();
        Tensor y = randn(2, 4, 6, 6);
        Assert.True(ours.forward(y).allclose(reference.forward(y), rtol: 1e-5, atol: 1e-6));
        Assert.Equal(3L, ours.num_batches_tracked!.item<long>());
    }
}
