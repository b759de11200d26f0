using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FreqProbe.Core.Training;

/// <summary>
/// TorchSharp's SGD with the same update, the same ops in the same order and the same state, except that the step's
/// hyperparameters are Scalars it keeps for the whole step. TorchSharp 0.107's own step turns momentum,
/// 1 - dampening, weight decay and -lr into temporary Scalars for every parameter at every step, which a garbage
/// collection during the native call may free (see Native.PinnedScalars). Its name is TorchSharp's on purpose:
/// <c>save_state_dict</c> writes the optimizer's class name and <c>load_state_dict</c> refuses another, so the
/// trainer's checkpoints stay interchangeable with those of earlier versions.
/// </summary>
internal sealed class SGD : TorchSharp.Modules.SGD
{
    public SGD(IEnumerable<Parameter> parameters, double lr, double momentum, double weightDecay, bool nesterov)
        : base(parameters, lr, momentum, dampening: 0, weight_decay: weightDecay, nesterov: nesterov)
    {
    }

    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        Options options = group.Options;
        double momentum = options.momentum!.Value, dampening = options.dampening!.Value, weightDecay = options.weight_decay!.Value;
        bool nesterov = options.nesterov!.Value;
        double lr = options.LearningRate!.Value;
        using Scalar momentumScalar = momentum.ToScalar(), keep = (1 - dampening).ToScalar(), decay = weightDecay.ToScalar();
        using Scalar alpha = (options.maximize!.Value ? lr : -lr).ToScalar();
        foreach (Parameter param in group.Parameters)
        {
            var state = (State)_state[param.Handle];
            Tensor? grad = param.grad;
            if (grad is null) continue;
            if (weightDecay != 0) grad = grad.add(param, decay);
            if (momentum != 0)
            {
                Tensor? buffer = state.momentum_buffer;
                if (buffer is null)
                {
                    buffer = grad.clone().detach().DetachFromDisposeScope();
                    state.momentum_buffer = buffer;
                }
                else
                {
                    buffer.mul_(momentumScalar).add_(grad, keep);
                }
                grad = nesterov ? grad.add(buffer, momentumScalar) : buffer;
            }
            param.add_(grad, alpha);
        }
    }, closure);
}
