using System.Globalization;

namespace FreqProbe.Core.Results;

/// <summary>
/// What the counts of a result row must be, checked on every read: a results file is input like any other, and a
/// hand-edited or truncated one must not turn into a plausible accuracy (or into a regression gate that passes).
/// </summary>
public static class ResultCounts
{
    /// <summary>
    /// Throws an <see cref="InputException"/> naming <paramref name="path"/> and <paramref name="row"/> unless
    /// 0 ≤ correct ≤ top-5 correct ≤ n and 0 ≤ agreeing ≤ n.
    /// </summary>
    public static void Check(string path, string row, long n, long correct, long? top5Correct = null, long? agreeing = null)
    {
        string Fail(string what) => $"{path}: row '{row}': {what}; expected counts with 0 <= correct <= top-5 correct <= n and 0 <= agreeing <= n.";
        if (n < 0) throw new InputException(Fail($"n is {n}"));
        if (correct < 0 || correct > n) throw new InputException(Fail($"correct is {correct} of n = {n}"));
        if (top5Correct is { } t5 && (t5 < correct || t5 > n)) throw new InputException(Fail($"top-5 correct is {t5} with correct {correct} of n = {n}"));
        if (agreeing is { } a && (a < 0 || a > n)) throw new InputException(Fail($"agreeing is {a} of n = {n}"));
    }

    /// <summary>
    /// Throws unless every row of <paramref name="rows"/> (name, n) has the same n: every filter setting of one run
    /// scores the same images.
    /// </summary>
    public static void SameImages(string path, string run, IEnumerable<(string Row, long N)> rows)
    {
        (string Row, long N)? first = null;
        foreach (var row in rows)
        {
            first ??= row;
            if (row.N != first.Value.N)
            {
                throw new InputException(string.Create(CultureInfo.InvariantCulture,
                    $"{path}: {run}: row '{row.Row}' has n = {row.N} but row '{first.Value.Row}' has n = {first.Value.N}; every filter setting of one run scores the same images."));
            }
        }
    }
}
