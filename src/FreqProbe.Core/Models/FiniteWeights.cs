using System.Globalization;
using static TorchSharp.torch;

namespace FreqProbe.Core.Models;

/// <summary>
/// Refuses a loaded model whose weights hold NaN or infinite values, which would otherwise give a table computed from
/// NaN logits (every prediction class 0) that looks like a measurement. Works on any module, whatever its kind.
/// </summary>
public static class FiniteWeights
{
    /// <summary>Throws an <see cref="InputException"/> naming the first tensor of <paramref name="model"/> with a non-finite value.</summary>
    public static void Check(nn.Module model, string origin) =>
        Check(model.state_dict().Select(p => (p.Key, p.Value)), origin, " (pass --allow-nonfinite to evaluate them anyway)");

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
