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

    public FilterResult ToResult() => new(filter, n, correct, hasTop5 ? top5 : null, agreeing, energy, coefficientsKept)
    {
        ClassTotals = classTotals.ToArray(),
        ClassCorrect = classCorrect.ToArray(),
    };
}
