using FreqProbe.Core.Tests.Support;
using FreqProbe.Core.Training;
using PinnedSGD = FreqProbe.Core.Training.SGD;
using TorchSharpSGD = TorchSharp.Modules.SGD;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Training;

/// <summary>
/// The trainer's SGD keeps its Scalars for the whole step; it must stay TorchSharp's SGD in every other respect: the
/// same parameters bit for bit after each step, and state dicts (checkpoints of earlier versions) that load into either.
/// </summary>
public sealed class SGDTests
{
    internal static nn.Module<Tensor, Tensor> Model(int seed)
    {
        torch.manual_seed(seed);
        return nn.Sequential(nn.Conv2d(3, 4, 3, padding: 1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 4 * 4, 10));
    }

    // One step of each optimizer on its model for the same batch; the learning rate changes every step, as under the schedules.
    internal static void Step(nn.Module<Tensor, Tensor> model, TorchSharpSGD optimizer, int step)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator((ulong)(100 + step));
        Tensor x = randn(new long[] { 8, 3, 4, 4 }, generator: generator);
        Tensor y = randint(0, 10, new long[] { 8 }, generator: generator);
        foreach (var group in optimizer.ParamGroups) group.LearningRate = 0.1 / (1 + step);
        optimizer.zero_grad();
        nn.functional.cross_entropy(model.forward(x), y).backward();
        optimizer.step();
    }

    static void AssertSameParameters(nn.Module expected, nn.Module actual, string when)
    {
        foreach (((string name, Parameter e), (_, Parameter a)) in expected.named_parameters().Zip(actual.named_parameters()))
        {
            Assert.True(e.eq(a).all().item<bool>(), $"{name} differs {when} (max |difference| {(e - a).abs().max().item<float>()})");
        }
    }

    [Theory]
    [InlineData(0.9, 5e-4, true)]
    [InlineData(0.9, 5e-4, false)]
    [InlineData(0.9, 0.0, false)]
    [InlineData(0.0, 1e-3, false)]
    [InlineData(0.0, 0.0, false)]
    public void Each_step_equals_TorchSharp_SGD_bit_for_bit(double momentum, double weightDecay, bool nesterov)
    {
        using var reference = Model(1);
        using var pinned = Model(1);
        using var sgd = optim.SGD(reference.parameters(), 0.1, momentum, 0, weightDecay, nesterov);
        using var ours = new PinnedSGD(pinned.parameters(), 0.1, momentum, weightDecay, nesterov);
        for (int step = 0; step < 5; step++)
        {
            Step(reference, sgd, step);
            Step(pinned, ours, step);
            AssertSameParameters(reference, pinned, $"after step {step + 1}");
        }
        // It did train: the parameters moved.
        using var start = Model(1);
        Assert.False(start.parameters().First().eq(pinned.parameters().First()).all().item<bool>());
    }

    [Fact]
    public void Saved_state_moves_between_it_and_TorchSharp_SGD_both_ways()
    {
        using var dir = new TempDirectory();
        using var first = Model(2);
        using var second = Model(2);
        using var ours = new PinnedSGD(first.parameters(), 0.1, 0.9, 5e-4, nesterov: true);
        using var theirs = optim.SGD(second.parameters(), 0.1, 0.9, 0, 5e-4, true);
        for (int step = 0; step < 3; step++)
        {
            Step(first, ours, step);
            Step(second, theirs, step);
        }
        ours.save_state_dict(dir.File("ours.dat"));
        theirs.save_state_dict(dir.File("theirs.dat"));
        // Swap: each model continues with the other kind of optimizer, loaded from the other's momentum.
        using var oursFromTheirs = new PinnedSGD(second.parameters(), 0.1, 0.9, 5e-4, nesterov: true);
        oursFromTheirs.load_state_dict(dir.File("theirs.dat"));
        using var theirsFromOurs = optim.SGD(first.parameters(), 0.1, 0.9, 0, 5e-4, true);
        theirsFromOurs.load_state_dict(dir.File("ours.dat"));
        for (int step = 3; step < 6; step++)
        {
            Step(second, oursFromTheirs, step);
            Step(first, theirsFromOurs, step);
            AssertSameParameters(first, second, $"after step {step + 1}");
        }
        // The momentum was carried over, not restarted: a fresh optimizer from the same weights goes elsewhere.
        using var fresh = Model(2);
        using var restarted = new PinnedSGD(fresh.parameters(), 0.1, 0.9, 5e-4, nesterov: true);
        for (int step = 0; step < 3; step++) Step(fresh, restarted, step);
        using var freshOptimizer = new PinnedSGD(fresh.parameters(), 0.1, 0.9, 5e-4, nesterov: true);
        for (int step = 3; step < 6; step++) Step(fresh, freshOptimizer, step);
        Assert.False(fresh.parameters().Last().eq(first.parameters().Last()).all().item<bool>(), "restarting the momentum changed nothing");
    }
}
