namespace FreqProbe.Core.Training;

/// <summary>
/// Learning rate as a pure function of the step, so that a resumed run needs no scheduler state.
/// <c>onecycle</c> follows PyTorch's OneCycleLR defaults (cosine, 30% warm-up from max/25, down to max/25/10⁴);
/// <c>cosine</c> anneals from max to 0.
/// </summary>
public static class LearningRateSchedule
{
    /// <summary>The schedule names.</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { "onecycle", "cosine" };

    /// <summary>The learning rate at <paramref name="step"/> (0-based) of <paramref name="totalSteps"/>.</summary>
    public static double At(string schedule, long step, long totalSteps, double maxLr)
    {
        double t = totalSteps <= 1 ? 1 : Math.Clamp((double)step / (totalSteps - 1), 0, 1);
        switch (schedule)
        {
            case "cosine":
                return maxLr * 0.5 * (1 + Math.Cos(Math.PI * t));
            case "onecycle":
                const double warmup = 0.3;
                double initial = maxLr / 25, final = initial / 1e4;
                return t < warmup
                    ? Anneal(initial, maxLr, t / warmup)
                    : Anneal(maxLr, final, (t - warmup) / (1 - warmup));
            default:
                throw new InputException("schedule", $"'{schedule}' is not a schedule; expected {string.Join(" or ", Names)}.");
        }
    }

    static double Anneal(double from, double to, double fraction) => to + (from - to) / 2 * (1 + Math.Cos(Math.PI * fraction));
}
