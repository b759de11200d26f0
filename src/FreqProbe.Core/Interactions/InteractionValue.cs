using FreqProbe.Core.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Interactions;

/// <summary>What v(S) is: a function of the model's logits z on the masked input and the true class y.</summary>
public enum InteractionValue
{
    /// <summary>Log-odds of the true class, z_y − logsumexp_(c≠y) z_c (Deng et al. 2022; the default).</summary>
    LogOdds,

    /// <summary>The true class's logit z_y.</summary>
    Logit,

    /// <summary>The true class's log-probability, z_y − logsumexp_c z_c.</summary>
    LogP,
}

/// <summary>Names and the computation of <see cref="InteractionValue"/>.</summary>
public static class InteractionValues
{
    /// <summary>The option names, in <see cref="InteractionValue"/> order.</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { "logodds", "logit", "logp" };

    /// <summary>The option name of <paramref name="value"/>.</summary>
    public static string Name(InteractionValue value) => Names[(int)value];

    /// <summary>Parses an option name.</summary>
    public static InteractionValue Parse(string name)
    {
        int k = Names.ToList().IndexOf(name.ToLowerInvariant());
        return k >= 0 ? (InteractionValue)k : throw new InputException("value", $"'{name}' is not a value; expected one of {string.Join(", ", Names)}.");
    }

    /// <summary>The definition in words, as recorded in results.</summary>
    public static string Describe(InteractionValue value) => value switch
    {
        InteractionValue.LogOdds => "log-odds of the true class, z_y - logsumexp_{c!=y} z_c",
        InteractionValue.Logit => "logit of the true class, z_y",
        _ => "log-probability of the true class, z_y - logsumexp_c z_c",
    };

    /// <summary>v for each row of <paramref name="logits"/> [F, C] with true class <paramref name="label"/>, as float64 [F].</summary>
    public static Tensor Compute(InteractionValue value, Tensor logits, int label)
    {
        using Tensor z = logits.to(ScalarType.Float64);
        using Tensor zy = z.select(1, label);
        switch (value)
        {
            case InteractionValue.Logit:
                return zy.clone();
            case InteractionValue.LogP:
                using (Tensor all = z.logsumexp(1)) return zy - all;
            default:
                using (Tensor others = z.index_fill(1, tensor(new long[] { label }, device: z.device), PinnedScalars.NegativeInfinity))
                using (Tensor rest = others.logsumexp(1))
                {
                    return zy - rest;
                }
        }
    }
}
