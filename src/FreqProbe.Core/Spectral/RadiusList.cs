using System.Globalization;

namespace FreqProbe.Core.Spectral;

/// <summary>
/// Parses radius lists in cycles per image: <c>4..32</c> (inclusive, step 1), <c>4..32:4</c>, <c>2,4,8</c> and
/// mixtures such as <c>1,2,4..32:4</c>. Radii are non-negative reals; duplicates collapse and the result is sorted.
/// </summary>
public static class RadiusList
{
    const int MaxRadii = 100_000;

    /// <summary>Parses <paramref name="text"/>; throws <see cref="InputException"/> naming the bad part.</summary>
    public static IReadOnlyList<double> Parse(string text, string setting = "radii")
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new InputException(setting, $"empty radius list; expected e.g. '4..32', '4..32:4' or '2,4,8'.");
        }
        var radii = new SortedSet<double>();
        foreach (string rawPart in text.Split(','))
        {
            string part = rawPart.Trim();
            if (part.Length == 0)
            {
                throw new InputException(setting, $"empty item in '{text}'; expected numbers or ranges separated by commas.");
            }
            foreach (double r in ParseItem(part, text, setting))
            {
                radii.Add(r);
                if (radii.Count > MaxRadii)
                {
                    throw new InputException(setting, $"'{text}' expands to more than {MaxRadii} radii.");
                }
            }
        }
        return radii.ToArray();
    }

    /// <summary>
    /// Parses band lists such as <c>0-4,4-8,8-16</c>: pairs r1-r2 with 0 ≤ r1 &lt; r2. Order is kept; duplicates collapse.
    /// </summary>
    public static IReadOnlyList<(double Inner, double Outer)> ParseBands(string text, string setting = "bands")
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new InputException(setting, $"empty band list; expected e.g. '0-4,4-8,8-16'.");
        }
        var bands = new List<(double, double)>();
        foreach (string rawPart in text.Split(','))
        {
            string part = rawPart.Trim();
            int dash = part.IndexOf('-', 1);
            if (part.StartsWith('-'))
            {
                throw new InputException(setting, $"band '{part}' has a negative radius; radii are non-negative cycles per image.");
            }
            if (dash < 0)
            {
                throw new InputException(setting, $"'{part}' is not a band; expected 'r1-r2' such as '4-8'.");
            }
            double inner = ParseNumber(part[..dash], part, setting, BandExample);
            double outer = ParseNumber(part[(dash + 1)..], part, setting, BandExample);
            if (outer <= inner)
            {
                throw new InputException(setting, $"band '{part}' is empty; expected r1 < r2.");
            }
            if (!bands.Contains((inner, outer))) bands.Add((inner, outer));
        }
        return bands;
    }

    static IEnumerable<double> ParseItem(string part, string whole, string setting)
    {
        int dots = part.IndexOf("..", StringComparison.Ordinal);
        if (dots < 0)
        {
            return new[] { ParseNumber(part, whole, setting) };
        }
        string startText = part[..dots];
        string rest = part[(dots + 2)..];
        string stepText = "1";
        int colon = rest.IndexOf(':');
        if (colon >= 0)
        {
            stepText = rest[(colon + 1)..];
            rest = rest[..colon];
        }
        double start = ParseNumber(startText, whole, setting);
        double end = ParseNumber(rest, whole, setting);
        // The step is not a radius: a bad or negative one is reported as the step.
        if (!double.TryParse(stepText.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double step) || !double.IsFinite(step) || step <= 0)
        {
            throw new InputException(setting, $"step {stepText} in '{part}' must be positive.");
        }
        if (end < start)
        {
            throw new InputException(setting, $"range '{part}' runs backwards; expected start ≤ end.");
        }
        if ((end - start) / step > MaxRadii)
        {
            throw new InputException(setting, $"'{part}' expands to more than {MaxRadii} radii.");
        }
        var values = new List<double>();
        // Multiply instead of accumulating so that 0..1:0.1 ends at exactly 1 and not at 0.9999999.
        for (long k = 0; ; k++)
        {
            double r = Math.Round(start + k * step, 10);
            if (r > end + 1e-9) break;
            values.Add(r);
        }
        return values;
    }

    const string RadiiExample = "'4..32', '4..32:4' or '2,4,8'";
    const string BandExample = "'0-4,4-8,8-16'";

    static double ParseNumber(string text, string whole, string setting, string example = RadiiExample)
    {
        string trimmed = text.Trim();
        if (!double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
        {
            throw new InputException(setting, $"'{trimmed}' in '{whole}' is not a number; expected e.g. {example}.");
        }
        if (value < 0)
        {
            throw new InputException(setting, $"radius {trimmed} in '{whole}' is negative; radii are non-negative cycles per image.");
        }
        return value;
    }
}
