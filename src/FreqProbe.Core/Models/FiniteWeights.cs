using System.Globalization;
using static TorchSharp.torch;

namespace FreqProbe.Core.Models;

/// <summary>
/// Refuses a loaded model whose weights hold NaN or infinite values, which would otherwise give a table computed from
/// NaN logits (every prediction class 0) that looks like a measurement. Works on the named weights of any kind
/// (<see cref="ModelSpec.NamedWeights"/>).
/// </summary>
public static class FiniteWeights
{
    /// <summary>The hint for a model about to be evaluated: the option that lets its weights past this check.</summary>
    public const string AllowHint = " (pass --allow-nonfinite to evaluate them anyway)";

    /// <summary>
    /// Throws an <see cref="InputException"/> naming the first of the <paramref name="named"/> tensors (a state dict)
    /// with a non-finite value; <paramref name="hint"/> follows the expectation.
    /// </summary>
    public static void Check(IEnumerable<(string Name, Tensor Value)> named, string origin, string hint = "")
    {
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        foreach ((string name, Tensor tensor) in named)
        {
            if (!tensor.is_floating_point()) continue;
            Tensor finite = isfinite(tensor);
            if (finite.all().item<bool>()) continue;
            long nan = isnan(tensor).sum().item<long>();
            long bad = tensor.numel() - finite.sum().item<long>();
            throw new InputException("weights", string.Create(CultureInfo.InvariantCulture,
                $"'{origin}': tensor '{name}' holds {nan} NaN and {bad - nan} infinite values of {tensor.numel()}; expected finite weights{hint}."));
        }
    }
}
