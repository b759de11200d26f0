using System.Globalization;

namespace FreqProbe.Core.Interactions;

/// <summary>The orders m at which interactions are estimated: m = int((n − 2)·ρ) for ratios ρ (Deng et al. 2022).</summary>
public static class InteractionOrders
{
    /// <summary>The paper's ratios: 0, .05, .1, .2, …, .9, .95, 1.</summary>
    public static IReadOnlyList<double> DefaultRatios { get; } = new[] { 0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1 };

    /// <summary>
    /// The distinct orders for <paramref name="players"/> players, ascending: int((n − 2)·ρ) truncated as the authors'
    /// Python does, so that small games, where several ratios give the same order, estimate each order once.
    /// </summary>
    public static IReadOnlyList<int> For(int players, IReadOnlyList<double> ratios)
    {
        if (players < 2) throw new ArgumentOutOfRangeException(nameof(players), "an interaction needs two players");
        var bad = ratios.Where(r => !(r >= 0 && r <= 1)).ToArray();
        if (bad.Length > 0 || ratios.Count == 0)
        {
            throw new InputException("orders", $"{string.Join(",", bad.Select(r => r.ToString(CultureInfo.InvariantCulture)))} " +
                "must be ratios between 0 and 1; expected a list like 0,0.05,0.1,...,1.");
        }
        return ratios.Select(r => (int)((players - 2) * r)).Distinct().Order().ToArray();
    }

    /// <summary>Parses a ratio list such as "0,0.1,0.5,1".</summary>
    public static IReadOnlyList<double> ParseRatios(string text)
    {
        var ratios = new List<double>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double r) || !(r >= 0 && r <= 1))
            {
                throw new InputException("orders", $"'{part}' in '{text}' is not a ratio between 0 and 1; expected a list like 0,0.05,0.1,...,1.");
            }
            ratios.Add(r);
        }
        return ratios;
    }
}
