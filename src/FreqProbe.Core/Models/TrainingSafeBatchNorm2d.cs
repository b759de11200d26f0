using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FreqProbe.Core.Models;

/// <summary>
/// BatchNorm2d with torchvision's state-dict keys (weight, bias, running_mean, running_var, num_batches_tracked) whose
/// training-mode step counter uses a <see cref="Scalar"/> the module owns. TorchSharp 0.107's BatchNorm2d builds a
/// temporary native Scalar from the literal 1 on every training forward; in a long training run (about 450,000 such
/// calls) one of them was read after it had been freed ("Unknown scalar type" from THSTensor_add_scalar_).
/// </summary>
internal sealed class TrainingSafeBatchNorm2d : NormBase
{
    readonly Scalar one = 1L.ToScalar();

    public TrainingSafeBatchNorm2d(long features)
        : base(features, eps: 1e-5, momentum: 0.1, affine: true, track_running_stats: true, device: null, dtype: null, name: "BatchNorm2d")
    {
    }

    protected override void ValidateInputDimensions(Tensor input)
    {
        if (input.dim() != 4) throw new ArgumentException($"expected 4-D input [N, C, H, W], got {input.dim()}-D");
    }

    public override Tensor forward(Tensor input)
    {
        ValidateInputDimensions(input);
        if (training && num_batches_tracked is not null)
        {
            num_batches_tracked.add_(one, one); // explicit alpha: the one-argument overload makes a temporary Scalar 1
        }
        return nn.functional.batch_norm(input, running_mean, running_var, weight, bias, training, momentum ?? 0.1, eps);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) one.Dispose();
        base.Dispose(disposing);
    }
}
