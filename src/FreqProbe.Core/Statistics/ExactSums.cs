using System.Globalization;
using System.Numerics;

namespace FreqProbe.Core.Statistics;

/// <summary>
/// Sums of doubles kept exactly, one per cell: each cell holds an integer mantissa m and a power of two e, its sum
/// being m·2^e with no rounding, so that any order of adding, and any split of the terms into parts added
/// afterwards (the shards of a run), gives the same sum to the last bit. A float sum would not: addition in floating
/// point is not associative. <see cref="Value"/> rounds a sum to a double only when it is read.
/// </summary>
public sealed class ExactSums
{
    readonly BigInteger[] mantissas;
    readonly int[] exponents;

    /// <summary><paramref name="count"/> sums of zero.</summary>
    public ExactSums(int count)
    {
        mantissas = new BigInteger[count];
        exponents = new int[count];
    }

    /// <summary>The number of cells.</summary>
    public int Count => mantissas.Length;

    /// <summary>Adds <paramref name="term"/> to cell <paramref name="cell"/> exactly; a term that is not finite is refused.</summary>
    public void Add(int cell, double term)
    {
        if (!double.IsFinite(term)) throw new ArgumentOutOfRangeException(nameof(term), term, "an exact sum takes finite terms only");
        if (term == 0) return;
        long bits = BitConverter.DoubleToInt64Bits(term);
        int biased = (int)((bits >> 52) & 0x7FF);
        long fraction = bits & ((1L << 52) - 1);
        long mantissa = biased == 0 ? fraction : fraction | (1L << 52);
        int exponent = (biased == 0 ? 1 : biased) - 1075;
        int zeros = BitOperations.TrailingZeroCount(mantissa);
        mantissa >>= zeros;
        exponent += zeros;
        Add(cell, bits < 0 ? -mantissa : mantissa, exponent);
    }

    void Add(int cell, BigInteger mantissa, int exponent)
    {
        if (mantissa.IsZero) return;
        if (mantissas[cell].IsZero)
        {
            mantissas[cell] = mantissa;
            exponents[cell] = exponent;
        }
        else if (exponent < exponents[cell])
        {
            mantissas[cell] = (mantissas[cell] << (exponents[cell] - exponent)) + mantissa;
            exponents[cell] = exponent;
        }
        else
        {
            mantissas[cell] += mantissa << (exponent - exponents[cell]);
        }
    }

    /// <summary>Adds every cell of <paramref name="other"/> (of the same count) to this one's, exactly.</summary>
    public void Add(ExactSums other)
    {
        if (other.Count != Count) throw new ArgumentException($"{other.Count} cells added to {Count}", nameof(other));
        for (int i = 0; i < Count; i++) Add(i, other.mantissas[i], other.exponents[i]);
    }

    /// <summary>The exact sum of cells <paramref name="cells"/>, as a one-cell sum.</summary>
    public ExactSums Total(IEnumerable<int> cells)
    {
        var total = new ExactSums(1);
        foreach (int cell in cells) total.Add(0, mantissas[cell], exponents[cell]);
        return total;
    }

    /// <summary>Cell <paramref name="cell"/>'s sum rounded to a double (the same exact sum always gives the same double).</summary>
    public double Value(int cell)
    {
        BigInteger m = mantissas[cell];
        if (m.IsZero) return 0;
        int exponent = exponents[cell];
        // Keep 62 significant bits before converting, so that the conversion itself cannot overflow.
        long excess = (long)m.GetBitLength() - 62;
        if (excess > 0)
        {
            m >>= (int)excess;
            exponent += (int)excess;
        }
        return Math.ScaleB((double)m, exponent);
    }

    /// <summary>Cell <paramref name="cell"/>'s exact sum as text, <c>MpE</c> for M·2^E with M a decimal integer.</summary>
    public string Text(int cell) => mantissas[cell].IsZero ? "0" : string.Create(CultureInfo.InvariantCulture, $"{mantissas[cell]}p{exponents[cell]}");

    /// <summary>Sets cell <paramref name="cell"/> from <see cref="Text"/>; false when <paramref name="text"/> is not of that form.</summary>
    public bool TrySet(int cell, string text)
    {
        if (text == "0")
        {
            mantissas[cell] = BigInteger.Zero;
            exponents[cell] = 0;
            return true;
        }
        int p = text.IndexOf('p', StringComparison.Ordinal);
        if (p <= 0 || p > 4000 || text.Length - p > 7) return false;
        if (!BigInteger.TryParse(text.AsSpan(0, p), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out BigInteger m)
            || !int.TryParse(text.AsSpan(p + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int e) || e is < -1100 or > 1100)
        {
            return false;
        }
        mantissas[cell] = m;
        exponents[cell] = e;
        return true;
    }
}
