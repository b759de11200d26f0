using System.Globalization;

namespace FreqProbe.Core.Training;

/// <summary>The training variant, parsed from <c>none</c>, <c>gaussian:SIGMA</c>, <c>fgsm:EPS</c> or <c>pgd:EPS,STEPS</c>.</summary>
public sealed record AugmentSpec(AugmentKind Kind, double Sigma, double Epsilon, int Steps)
{
    /// <summary>No augmentation beyond crop and flip.</summary>
    public static AugmentSpec None { get; } = new(AugmentKind.None, 0, 0, 0);

    /// <summary>The FGSM step size of Wong et al. (2020), "Fast is better than free": 1.25·ε.</summary>
    public double FgsmStep => 1.25 * Epsilon;

    /// <summary>The PGD step size: 2.5·ε / steps, so that the steps can cross the ε-ball.</summary>
    public double PgdStep => 2.5 * Epsilon / Math.Max(1, Steps);

    /// <summary>Parses the <c>--augment</c> value; numbers may be fractions such as <c>8/255</c>.</summary>
    public static AugmentSpec Parse(string text)
    {
        string t = text.Trim();
        int colon = t.IndexOf(':');
        string kind = colon < 0 ? t : t[..colon];
        string args = colon < 0 ? "" : t[(colon + 1)..];
        switch (kind)
        {
            case "none" when args.Length == 0:
                return None;
            case "gaussian":
                return new AugmentSpec(AugmentKind.Gaussian, Number(args, text, "SIGMA"), 0, 0);
            case "fgsm":
                return new AugmentSpec(AugmentKind.Fgsm, 0, Number(args, text, "EPS"), 1);
            case "pgd":
                string[] parts = args.Split(',');
                if (parts.Length != 2 || !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int steps) || steps < 1)
                {
                    throw new InputException("augment", $"'{text}' is not pgd:EPS,STEPS with STEPS a positive integer, e.g. pgd:8/255,7.");
                }
                return new AugmentSpec(AugmentKind.Pgd, 0, Number(parts[0], text, "EPS"), steps);
            default:
                throw new InputException("augment", $"'{text}' is not a training variant; expected none, gaussian:SIGMA, fgsm:EPS or pgd:EPS,STEPS.");
        }
    }

    static double Number(string value, string whole, string name)
    {
        string[] fraction = value.Split('/');
        bool ok = double.TryParse(fraction[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double number);
        if (ok && fraction.Length == 2)
        {
            ok = double.TryParse(fraction[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double denominator) && denominator > 0;
            number /= denominator;
        }
        if (!ok || fraction.Length > 2 || !double.IsFinite(number) || number <= 0)
        {
            throw new InputException("augment", $"{name} '{value}' in '{whole}' is not a positive number (fractions such as 8/255 are fine).");
        }
        return number;
    }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        AugmentKind.None => "none",
        AugmentKind.Gaussian => string.Create(CultureInfo.InvariantCulture, $"gaussian:{Sigma:0.#####}"),
        AugmentKind.Fgsm => string.Create(CultureInfo.InvariantCulture, $"fgsm:{Epsilon:0.######}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"pgd:{Epsilon:0.######},{Steps}"),
    };
}

/// <summary>Training variants.</summary>
public enum AugmentKind
{
    /// <summary>Crop and flip only.</summary>
    None,
    /// <summary>Additive Gaussian pixel noise in [0,1] space, clamped to [0,1].</summary>
    Gaussian,
    /// <summary>FGSM adversarial training from a random start (Wong et al. 2020).</summary>
    Fgsm,
    /// <summary>PGD adversarial training (Madry et al. 2018).</summary>
    Pgd,
}
