using FreqProbe.Core.Native;
using FreqProbe.Core.Training;
using PinnedSGD = FreqProbe.Core.Training.SGD;
using FreqProbe.Core.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Native;

// A long sweep once died in libtorch with "Expected false to be true ... toLong": a temporary Scalar had been
// finalized during the call that used it (see PinnedScalars). These tests find every such call in FreqProbe's IL.
public sealed class TemporaryScalarTests
{
    // Callees that make a Scalar only on a path FreqProbe never takes.
    static readonly HashSet<string> Allowed = new(StringComparer.Ordinal)
    {
        "ScriptModule::forward", // makes Scalars from number arguments only; TorchScriptNetwork passes tensors
    };

    [Fact]
    public void FreqProbe_Core_hands_libtorch_no_Scalar_that_nobody_keeps_alive()
    {
        IReadOnlyList<TemporaryScalars.Call> found = TemporaryScalars.Find(typeof(PinnedScalars).Assembly, Allowed);
        Assert.True(found.Count == 0, TemporaryScalars.Describe(found));
    }

    [Fact]
    public void The_search_sees_each_kind_of_temporary_Scalar_and_passes_kept_ones()
    {
        Assert.Contains("Tensor::square", TemporaryScalars.TorchSharpMembers);
        Assert.Contains("Tensor::op_Addition", TemporaryScalars.TorchSharpMembers);
        Assert.DoesNotContain("Tensor::sub", TemporaryScalars.TorchSharpMembers); // sub(Tensor) has no alpha in 0.107
        IReadOnlyList<TemporaryScalars.Call> found = TemporaryScalars.Find(typeof(Examples).Assembly, Allowed, t => t == typeof(Examples));
        string[] methods = found.Select(f => f.Method).Distinct().Order().ToArray();
        Assert.True(methods.SequenceEqual(new[] { "Added", "BareNumber", "Converted", "LeakyModule", "LeakyOptimizer", "Squared" }), TemporaryScalars.Describe(found));
    }

    // Never run: only their IL is read.
    static class Examples
    {
        public static Tensor BareNumber(Tensor x) => x.mul(2.0);

        public static Tensor Added(Tensor x, Tensor y) => x + y;

        public static Tensor Squared(Tensor x) => x.square();

        public static Tensor Converted(Tensor x) => x.mul(3.0.ToScalar());

        public static nn.Module<Tensor, Tensor> LeakyModule() => nn.Softsign();

        public static optim.Optimizer LeakyOptimizer(nn.Module model) => optim.SGD(model.parameters(), 0.1);

        public static optim.Optimizer KeptOptimizer(nn.Module model) => new PinnedSGD(model.parameters(), 0.1, 0.9, 5e-4, nesterov: true);

        public static Tensor Pinned(Tensor x, Tensor y) => x.mul(PinnedScalars.Two).add(y, PinnedScalars.One).sub(y);

        public static Tensor Kept(Tensor x, double value)
        {
            using Scalar kept = value.ToScalar();
            return x.mul(kept);
        }
    }
}
