using FreqProbe.Core.Execution;
using FreqProbe.Core.Models;
using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Support;

/// <summary>
/// The forward pass a session gives a model (<see cref="ExecutionPlan"/>: BatchNorm folding, precision, layout and the
/// per-layer kernels verified in a child process), for tests that hold a model rather than a run description.
/// Verdicts go to the test process's own home.
/// </summary>
public static class VerifiedForward
{
    /// <summary>The plan for <paramref name="model"/> (on the CPU, in eval mode) at <paramref name="batch"/> images of side <paramref name="size"/>.</summary>
    public static ExecutionPlan Plan(nn.Module<Tensor, Tensor> model, long batch, int size, string layout = "auto", string precision = "fp32",
        string? archive = null, int classes = 10) =>
        ExecutionPlan.Prepare(model, precision, layout, batch, size, get_num_threads(), CPU, IsolatedHome.Root,
            archive is null ? null : new ModelUnderTest(ModelRegistry.TorchScript, archive, WeightsFile.Sha256(archive), classes, size, batch), null);
}
