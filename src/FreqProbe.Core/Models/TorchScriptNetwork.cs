using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FreqProbe.Core.Models;

/// <summary>
/// A TorchScript module as a FreqProbe network: images in, logits out. It moves, changes precision and switches
/// mode like any module; its parameters keep the dotted names of the PyTorch state dict it was exported from
/// (<c>conv_proj.weight</c>, <c>features.0.0.weight</c>), so kernel spectra and the finite-weights check read them.
/// A forward pass that returns anything but one tensor raises an <see cref="InputException"/>.
/// </summary>
public sealed class TorchScriptNetwork : nn.Module<Tensor, Tensor>
{
    readonly jit.ScriptModule script;

    /// <summary>Wraps <paramref name="script"/>, loaded from <paramref name="path"/>.</summary>
    public TorchScriptNetwork(jit.ScriptModule script, string path) : base("TorchScript")
    {
        this.script = script;
        Path = path;
        register_module("script", script);
    }

    /// <summary>The archive the network was loaded from.</summary>
    public string Path { get; }

    /// <summary>
    /// Convolutions whose recorded call asks for TF32 (torch.jit.trace writes <c>torch._convolution(..., allow_tf32)</c>
    /// with the flag as it was when tracing, True by default): cuDNN runs them at TF32 precision on a GPU whatever the
    /// global setting. Scripted archives call <c>conv2d</c> and follow the global setting (off in FreqProbe).
    /// </summary>
    public int Tf32Convolutions { get; init; }

    /// <summary>
    /// True for an archive saved after torch.jit.freeze: its weights are constants of the graph, not parameters, so they
    /// cannot be cast to another precision or read as kernels.
    /// </summary>
    public bool IsFrozen => !script.named_parameters(true).Any();

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        object output;
        try
        {
            output = script.forward(input);
        }
        catch (Exception e) when (e is ArgumentException or InvalidCastException or NotSupportedException or NotImplementedException)
        {
            // The pass ran (libtorch's own errors are ExternalExceptions); TorchSharp could not read back what it returned.
            throw new InputException("weights", $"'{Path}' returns from forward a value TorchSharp cannot read back (a dict, or a nested structure); " +
                "expected one tensor of logits [N, classes] (export a module whose forward returns the logits, e.g. out[\"logits\"]).", e);
        }
        return output as Tensor ?? throw new InputException("weights",
            $"'{Path}' returns {Describe(output)} from forward; expected one tensor of logits [N, classes] (export a module whose forward returns the logits).");
    }

    /// <summary>
    /// The archive's parameters under their own names (recursively); without <paramref name="recurse"/> this wrapper's own,
    /// which TorchSharp's device and type moves walk.
    /// </summary>
    public override IEnumerable<(string name, Parameter parameter)> named_parameters(bool recurse = true) =>
        recurse ? script.named_parameters(true) : base.named_parameters(false);

    static string Describe(object? output) => output switch
    {
        null => "nothing",
        Tensor[] tensors => $"{tensors.Length} tensors",
        object[] items => $"a tuple of {items.Length}",
        System.Collections.IDictionary => "a dict",
        _ => $"a {output.GetType().Name}",
    };

    /// <summary>Casts the archive's parameters; a frozen archive, whose weights are constants, refuses any type but fp32.</summary>
    protected override nn.Module _to(ScalarType dtype, bool non_blocking)
    {
        if (dtype != ScalarType.Float32 && IsFrozen)
        {
            string name = dtype switch { ScalarType.BFloat16 => "bf16", ScalarType.Float16 => "fp16", _ => dtype.ToString() };
            throw new InputException("precision", $"{name}: '{Path}' is a frozen archive (torch.jit.freeze), whose weights are fp32 constants that cannot be " +
                "cast; expected --precision fp32, or an archive exported without freezing.");
        }
        return base._to(dtype, non_blocking);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // TorchSharp's Dispose walks named_modules lazily and would step into the script module after disposing it.
            register_module("script", null!);
            script.Dispose();
        }
        base.Dispose(disposing);
    }
}
