using FreqProbe.Core.Native;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FreqProbe.Core.Models;

/// <summary>
/// BatchNorm2d with torchvision's state-dict keys (weight, bias, running_mean, running_var, num_batches_tracked) whose
/// training-mode step counter uses a <see cref="Scalar"/> the module owns. TorchSharp 0.107's BatchNorm2d builds a
/// temporary native Scalar from the literal 1 on every training forward; in a long training run (about 450,000 such
/// calls) one of them was read after it had been freed ("Unknown scalar type" from THSTensor_add_scalar_).
/// For inference it can be folded into the convolution before it (<see cref="FoldInto"/>); it then passes its input on.
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

    /// <summary>True once <see cref="FoldInto"/> moved this normalisation into a convolution's weights and bias.</summary>
    public bool Folded { get; private set; }

    /// <summary>
    /// Folds the eval-mode normalisation y = (x − mean) / √(var + eps) · γ + β into <paramref name="conv"/>, which must feed
    /// this layer: its weights are scaled per output channel by s = γ / √(var + eps) and it gets the bias β − mean · s.
    /// Afterwards this layer passes its input on unchanged; the pair computes the same function (up to fp32 rounding)
    /// with one pass over the activations fewer. Inference only: a folded layer refuses training mode.
    /// </summary>
    public void FoldInto(PlannedConv2d conv)
    {
        if (Folded) throw new InvalidOperationException("this BatchNorm2d is already folded");
        if (weight is null || bias is null || running_mean is null || running_var is null)
            throw new InvalidOperationException("only an affine BatchNorm2d with running statistics can be folded");
        if (conv.Weight.shape[0] != running_mean.shape[0])
            throw new InvalidOperationException($"convolution with {conv.Weight.shape[0]} outputs cannot feed BatchNorm2d({running_mean.shape[0]})");
        using var guard = no_grad();
        using var scope = NewDisposeScope();
        using Scalar epsilon = eps.ToScalar();
        Tensor scale = weight / running_var.add(epsilon, PinnedScalars.One).sqrt();
        Tensor shift = (running_mean * scale).neg_().add_(bias, PinnedScalars.One);
        conv.Weight.mul_(scale.view(-1, 1, 1, 1));
        if (conv.Bias is null)
        {
            conv.Bias = new Parameter(shift.clone().MoveToOuterDisposeScope(), requires_grad: false);
        }
        else
        {
            conv.Bias.mul_(scale).add_(shift, PinnedScalars.One);
        }
        Folded = true;
    }

    public override Tensor forward(Tensor input)
    {
        ValidateInputDimensions(input);
        if (Folded)
        {
            if (training) throw new InvalidOperationException("a BatchNorm2d folded for inference cannot train; build the model afresh");
            return input.alias(); // a new handle on the same data: the caller may dispose its input independently
        }
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
