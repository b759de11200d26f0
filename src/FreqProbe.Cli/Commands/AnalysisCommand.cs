using System.CommandLine;
using FreqProbe.Core.Analyses;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.IO;
using FreqProbe.Core.Planning;

namespace FreqProbe.Cli.Commands;

/// <summary>
/// The command of an analysis (<see cref="Analysis{TRequest, TResult}"/>): options from the settings table (the shared
/// run settings and the analysis's own) and a repeatable --out; it binds what was typed, resolves the run, lets the
/// analysis plan its request, runs it with progress, Ctrl-C and a checkpoint beside the first --out (--resume continues
/// from it), and writes every --out. Every problem is found
/// before any work and printed together, exit 2.
/// </summary>
internal static class AnalysisCommand
{
    /// <summary>
    /// The command for <paramref name="analysis"/>. <paramref name="outputs"/> describes what each --out extension
    /// holds; <paramref name="plan"/> says what a run will cost before it starts and <paramref name="report"/> what it
    /// found (neither with --quiet).
    /// </summary>
    public static Command Create<TRequest, TResult>(CommandContext context, Analysis<TRequest, TResult> analysis, string description, string outputs,
        Action<CommandContext, TRequest>? plan, Action<CommandContext, TRequest, TResult> report)
        where TRequest : class
    {
        SettingOptions options = SettingOptions.ForAnalysis(analysis.Settings);
        var targetsOption = new Option<string[]>("--out") { Description = outputs + " Repeat for several." };
        var command = new Command(analysis.Name, description);
        options.AddTo(command);
        command.Options.Add(targetsOption);
        command.SetAction(parsed =>
        {
            GivenSettings given = options.Bind(parsed);
            // --resume is the analysis's: its checkpoint sits beside its first --out.
            bool resume = given.Flag(RunSettings.Resume);
            Resolution resolution = RunResolver.Resolve(GivenSettings.From(given.All.Where(v => v.Setting != RunSettings.Resume)), RunKind.Unfiltered, context.Resolver);
            var problems = resolution.Problems.Select(p => p.ForCommandLine()).ToList();
            RunRequest? evaluation = resolution.Request;
            string[] targets = parsed.GetValue(targetsOption) ?? Array.Empty<string>();
            OutputTargets.Check(targets, analysis.Extensions, evaluation?.WeightsPath, problems);
            if (resume && targets.Length == 0) problems.Add("--resume: needs --out, beside which the checkpoint is kept.");
            string? checkpoint = targets.Length == 0 ? null : SweepCheckpoint.PathFor(targets[0]);
            TRequest? request = analysis.Plan(given, evaluation, problems);
            if (problems.Count > 0 || evaluation is null || request is null)
            {
                foreach (string problem in problems) context.Error.WriteLine($"freqprobe: error: {problem}");
                return ExitCodes.InputError;
            }
            bool quiet = given.Flag(RunSettings.Quiet);
            // One run per output at a time: a second run on the same --out is refused naming the first, instead of
            // interleaving checkpoints or racing to replace the file.
            var locks = new List<OutputLock>();
            try
            {
                foreach (string target in targets) locks.Add(OutputLock.Acquire(target, "out", context.CommandLine));
                return Run(context, analysis, resolution, evaluation, request, given, targets, checkpoint, resume, quiet, plan, report);
            }
            finally
            {
                foreach (OutputLock held in locks) held.Dispose();
            }
        });
        return command;
    }

    static int Run<TRequest, TResult>(CommandContext context, Analysis<TRequest, TResult> analysis, Resolution resolution, RunRequest evaluation, TRequest request,
        GivenSettings given, string[] targets, string? checkpoint, bool resume, bool quiet, Action<CommandContext, TRequest>? plan,
        Action<CommandContext, TRequest, TResult> report)
        where TRequest : class
    {
        if (!quiet) plan?.Invoke(context, request);
        int code = AnalysisRun.Execute(context, resolution, evaluation, quiet, analysis.Product, checkpoint,
            (progress, notice, cancel) => analysis.RunResumable(request, checkpoint, resume, evaluation.CheckpointSeconds, progress, notice, cancel), out TResult? result);
        if (code != ExitCodes.Success || result is null) return code;
        foreach (string target in targets) analysis.Write(result, given, target);
        if (!quiet) report(context, request, result);
        return ExitCodes.Success;
    }
}
