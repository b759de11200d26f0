using FreqProbe.Core.Spectral;

namespace FreqProbe.Core.Evaluation;

/// <summary>Running counts for one filter setting. Images must be added in dataset order so that the energy sum is reproducible.</summary>
internal sealed class FilterTally(FrequencyFilter filter, double coefficientsKept, bool hasTop5, int classes)
{
    readonly long[] classTotals = new long[classes];
    readonly long[] classCorrect = new long[classes];
    long n;
    long correct;
    long top5;
    long agreeing;
    double energy;

    /// <summary>The setting counted.</summary>
    public FrequencyFilter Filter => filter;

    public void Add(int label, bool isCorrect, bool inTop5, bool agrees, double energyKept)
    {
        n++;
        classTotals[label]++;
        if (isCorrect)
        {
            correct++;
            classCorrect[label]++;
        }
        if (inTop5) top5++;
        if (agrees) agreeing++;
        energy += energyKept;
    }

    /// <summary>Continues from counts saved in a checkpoint (the same setting's <see cref="ToResult"/>).</summary>
    public void Restore(FilterResult saved)
    {
        n = saved.N;
        correct = saved.Correct;
        top5 = saved.Top5Correct ?? 0;
        agreeing = saved.Agreeing;
        energy = saved.EnergyKeptSum;
        for (int k = 0; k < classTotals.Length && k < saved.ClassTotals.Count; k++)
        {
            classTotals[k] = saved.ClassTotals[k];
            classCorrect[k] = saved.ClassCorrect[k];
        }
    }

    public FilterResult ToResult() => new(filter, n, correct, hasTop5 ? top5 : null, agreeing, energy, coefficientsKept)
    {
        ClassTotals = classTotals.ToArray(),
        ClassCorrect = classCorrect.ToArray(),
    };
}
