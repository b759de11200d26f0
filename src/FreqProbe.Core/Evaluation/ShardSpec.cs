using System.Globalization;

namespace FreqProbe.Core.Evaluation;

/// <summary>Shard K of N: the images whose dataset index i satisfies i ≡ K (mod N).</summary>
public sealed record ShardSpec(int Index, int Count)
{
    /// <summary>Parses <c>K/N</c> with 0 ≤ K &lt; N.</summary>
    public static ShardSpec Parse(string text)
    {
        string[] parts = text.Split('/');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int k)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            && n >= 1 && k < n)
        {
            return new ShardSpec(k, n);
        }
        throw new InputException("shard", $"'{text}' is not K/N with 0 <= K < N, e.g. 0/4 for the first of four shards.");
    }

    /// <summary>True when dataset index <paramref name="index"/> belongs to this shard.</summary>
    public bool Contains(int index) => index % Count == Index;

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}
