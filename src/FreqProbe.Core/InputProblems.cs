namespace FreqProbe.Core;

/// <summary>Collects input problems so that a command or an analysis's plan can report all of them at once, not just the first.</summary>
public static class InputProblems
{
    /// <summary>Runs <paramref name="action"/>; an <see cref="InputException"/> is recorded and <paramref name="fallback"/> returned.</summary>
    public static T Collect<T>(List<string> problems, Func<T> action, T fallback)
    {
        try
        {
            return action();
        }
        catch (InputException e)
        {
            problems.Add(e.ToProblem().ForCommandLine());
            return fallback;
        }
    }
}
