using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Planning;

namespace FreqProbe.Cli.Commands;

/// <summary>
/// How an analysis command runs its validated request: the weights download the resolution asked for, the warning
/// about random weights, Ctrl-C and a progress bar (or progress lines) around the runner, whose notices go to stderr.
/// </summary>
internal static class AnalysisRun
{
    /// <summary>
    /// Runs <paramref name="runner"/>; <paramref name="what"/> names the result in the random-weights warning ("the heat
    /// map"), and <paramref name="checkpoint"/> is where the runner keeps its checkpoint (null: none). Returns the exit
    /// code: success with <paramref name="result"/>, or the signal's after Ctrl-C, SIGTERM or SIGHUP, saying what is kept.
    /// </summary>
    public static int Execute<T>(CommandContext context, Resolution resolution, RunRequest evaluation, bool quiet, string what, string? checkpoint,
        Func<IProgress<SweepProgress>, Action<string>, CancellationToken, T> runner, out T? result)
    {
        result = default;
        if (resolution.Download is { } download) WeightsDownloads.Ensure(context, download, quiet);
        if (evaluation.WeightsPath is null)
        {
            context.Error.WriteLine($"freqprobe: WARNING: {EvaluationSession.RandomWeightsWarning(evaluation.Model.Name, evaluation.Seed)} ({what} too).");
        }
        using var cancel = new CtrlC(context.Error, evaluation.ForwardTimeoutSeconds, () => CtrlC.Kept(checkpoint, savedNow: false), message => context.Notice(message, quiet));
        using var bar = new ProgressBar(context.Error, enabled: context.ShowsProgress && !quiet, context.ProgressLines(quiet));
        try
        {
            result = runner(bar, message => context.Notice(message, quiet), cancel.Token);
        }
        catch (OperationCanceledException)
        {
            bar.Finish();
            context.Error.WriteLine($"freqprobe: interrupted ({CtrlC.SignalName}); no result files were replaced; {CtrlC.Kept(checkpoint, savedNow: true)}.");
            return CtrlC.ExitCode;
        }
        bar.Finish();
        return ExitCodes.Success;
    }
}
