using System.CommandLine;
using FreqProbe.Core.Analyses;
using FreqProbe.Core.Configs;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.IO;
using FreqProbe.Core.Planning;
using FreqProbe.Core.Results;

namespace FreqProbe.Cli.Commands;

/// <summary>
/// `freqprobe sweep CONFIG`: the runs of a JSON config, each a lowpass/highpass/bandpass command, with one results
/// file per run and a combined summary. Settings resolve once, command line &gt; config (run &gt; defaults) &gt; the
/// commands' own defaults, and every run is checked before the first one starts.
/// </summary>
internal static class SweepConfigCommand
{
    const string Help =
        "Run the sweeps listed in a JSON config. Each run names a filter command (\"filter\": lowpass, highpass or bandpass)\n" +
        "or an analysis (\"analysis\": heatmap or interactions) and sets that command's options by their long names without\n" +
        "dashes (\"batch-size\" or \"batch_size\"); a top-level \"defaults\" object applies to every run that takes the\n" +
        "setting. Precedence, resolved once: command line > run > defaults > built-in defaults. Relative paths in the config\n" +
        "are relative to the config file. Every run is checked before any work starts, and each problem is reported with\n" +
        "its JSON path.\n\n" +
        "Results: OUT_DIR/NAME.json (full provenance) plus the run's \"formats\" (default [\"json\", \"csv\"]), per-image\n" +
        "predictions in OUT_DIR/NAME.predictions.csv with \"predictions\": true, and the combined OUT_DIR/summary.csv,\n" +
        "summary.md and summary.json. OUT_DIR is --out-dir, else the config's \"out_dir\", else results/CONFIG_NAME.\n" +
        "--resume skips runs whose results already match the plan and continues an interrupted one from its checkpoint.\n\n" +
        "Example config:\n" +
        "  { \"description\": \"built-in default\",\n" +
        "    \"defaults\": { \"weights\": \"builtin:synthetic\", \"dataset\": \"synthetic\" },\n" +
        "    \"runs\": [ { \"name\": \"lowpass\", \"filter\": \"lowpass\", \"radii\": \"2..16:2\" },\n" +
        "              { \"name\": \"bands\", \"filter\": \"bandpass\", \"bands\": [\"0-4\", \"4-8\", \"8-16\"] },\n" +
        "              { \"name\": \"heat\", \"analysis\": \"heatmap\", \"limit\": 200, \"formats\": [\"json\", \"png\"] } ] }\n\n" +
        "Examples:\n" +
        "  freqprobe sweep configs/default.json\n" +
        "  freqprobe sweep configs/cifar10-three-models.json --limit 1000 --threads 2 --out-dir /tmp/quick\n" +
        "  freqprobe sweep configs/imagenet-resnet50.json --shard 0/4 --out-dir results/shard0   (then `freqprobe merge`)";

    public static Command Create(CommandContext context)
    {
        var config = new Argument<string>("CONFIG") { Description = "The sweep config (JSON; comments and trailing commas are allowed)." };
        // Every run setting except the per-run results paths and filter lists; --resume, --offline and --quiet apply to every run.
        // The run settings and every analysis's own: an option given here applies to each run that takes it.
        SettingOptions options = new(RunSettings.All.Except(new[] { RunSettings.Out, RunSettings.Predictions, RunSettings.Radii, RunSettings.Bands })
            .Concat(AnalysisSettings.Distinct(AnalysisCommands.Registry.All.Select(e => e.Analysis))));
        var outDir = new Option<string?>("--out-dir") { Description = "Folder for the results (created if missing); overrides the config's \"out_dir\"." };
        var only = new Option<string?>("--only") { Description = "Run only these runs, by name: NAME[,NAME...]." };
        var check = new Option<bool>("--check")
        {
            Description = "Check the config and print each run's command and what every setting resolved to (model card and model defaults applied); run nothing.",
        };
        var command = new Command("sweep", Help + "\n\n" + ExitCodes.Help);
        command.Arguments.Add(config);
        options.AddTo(command);
        command.Options.Add(outDir);
        command.Options.Add(only);
        command.Options.Add(check);
        command.SetAction(parsed => Execute(context, parsed.GetValue(config)!, options.BindValues(parsed).ToArray(), parsed.GetValue(outDir), parsed.GetValue(only),
            parsed.GetValue(check)));
        return command;
    }

    sealed record PlannedRun(ConfigRun Run, string OutPath, string Command, Resolution Resolution, IPlannedAnalysis? Analysis);

    static int Execute(CommandContext context, string configPath, IReadOnlyList<GivenValue> overrides, string? outDirOption, string? only, bool check)
    {
        var problems = new List<string>();
        SweepPlan? plan = SweepConfig.Load(configPath, overrides, AnalysisCommands.Registry.All.Select(e => e.Analysis).ToArray(), problems);
        string outDir = outDirOption ?? plan?.OutDir ?? Path.Combine("results", Path.GetFileNameWithoutExtension(configPath));
        IReadOnlyList<ConfigRun> runs = plan?.Runs ?? Array.Empty<ConfigRun>();
        if (plan is not null && only is not null)
        {
            string[] wanted = only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (string missing in wanted.Where(w => runs.All(r => r.Name != w)))
            {
                problems.Add($"--only: no run is named '{missing}'; the config has {string.Join(", ", runs.Select(r => r.Name))}.");
            }
            runs = runs.Where(r => wanted.Contains(r.Name)).ToArray();
        }
        bool resume = overrides.Any(o => o.Setting == RunSettings.Resume && o.Value is true);
        // Every run is resolved and checked before the first starts; nothing is created until all of them check out.
        ResolverEnvironment environment = context.Resolver with { OutputFoldersCreated = !Directory.Exists(outDir) };
        var planned = new List<PlannedRun>();
        foreach (ConfigRun run in runs)
        {
            string outPath = Path.Combine(outDir, run.Name + ".json");
            string? predictionsPath = run.Predictions ? Path.Combine(outDir, run.Name + ".predictions.csv") : null;
            var outputs = new List<GivenValue> { new(RunSettings.Out, outPath, $"{run.JsonPath} (results file)") };
            if (predictionsPath is not null && run.Analysis is null) outputs.Add(new GivenValue(RunSettings.Predictions, predictionsPath, $"{run.JsonPath} (predictions file)"));
            GivenSettings settings = run.Settings.Over(outputs);
            Resolution resolution = RunResolver.Resolve(settings, run.Kind, environment with { CommandLine = CommandOf(run.CommandName, settings) });
            foreach (Problem problem in resolution.Problems) problems.Add(Render(configPath, run, settings, problem));
            // An analysis plans its own settings; its problems name the option, which is rendered where it was set.
            var analysisProblems = new List<string>();
            IPlannedAnalysis? analysis = run.Analysis?.Prepare(settings, resolution.Request, analysisProblems);
            foreach (string problem in analysisProblems)
            {
                string[] parts = problem.Split(": ", 2);
                problems.Add(parts.Length == 2 && parts[0].StartsWith("--", StringComparison.Ordinal)
                    ? Render(configPath, run, settings, new Problem(parts[0][2..], parts[1]))
                    : $"{configPath}: {run.JsonPath}: {problem}");
            }
            if (resolution.Ok && (run.Analysis is null || analysis is not null)) planned.Add(new PlannedRun(run, outPath, resolution.Request!.CommandLine, resolution, analysis));
        }
        problems.AddRange(Collisions(configPath, outDir, planned));
        if (problems.Count > 0)
        {
            foreach (string problem in problems) context.Error.WriteLine($"freqprobe: error: {problem}");
            context.Error.WriteLine($"freqprobe sweep: {problems.Count} problem{(problems.Count == 1 ? "" : "s")} in {configPath}; nothing was run.");
            return ExitCodes.InputError;
        }
        if (check)
        {
            if (!Directory.Exists(outDir)) context.Error.WriteLine($"freqprobe sweep: note: '{outDir}' does not exist yet; a real run creates it.");
            foreach (PlannedRun p in planned)
            {
                context.Out.WriteLine($"{p.Run.Name}: {p.Command}");
                context.Out.WriteLine($"  resolved: {ResolvedSettings.Line(p.Resolution, p.Run.Analysis?.Settings, p.Run.Settings)}");
            }
            context.Error.WriteLine($"freqprobe sweep: {configPath} is valid: {planned.Count} run{(planned.Count == 1 ? "" : "s")}.");
            return ExitCodes.Success;
        }

        try
        {
            Directory.CreateDirectory(outDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            context.Error.WriteLine($"freqprobe: error: --out-dir: cannot create '{outDir}': {e.Message}");
            return ExitCodes.InputError;
        }

        var finished = new List<SweepSummaryFiles.FinishedRun>();
        try
        {
            for (int i = 0; i < planned.Count; i++)
            {
                PlannedRun p = planned[i];
                context.Error.WriteLine($"freqprobe sweep: [{i + 1}/{planned.Count}] {p.Run.Name}: {p.Command}");
                if (resume && AlreadyDone(p) is { } done)
                {
                    context.Error.WriteLine($"freqprobe sweep: {p.Run.Name}: already done ({p.OutPath}); skipped.");
                    finished.Add(done);
                    continue;
                }
                if (p.Analysis is { } analysis)
                {
                    string[] paths = p.Run.Formats.Select(format => Path.ChangeExtension(p.OutPath, format)).ToArray();
                    string checkpoint = SweepCheckpoint.PathFor(p.OutPath);
                    using OutputLock outLock = OutputLock.Acquire(p.OutPath, "out", context.CommandLine);
                    int exit = AnalysisRun.Execute(context, p.Resolution, p.Resolution.Request!, p.Resolution.Quiet, p.Run.Analysis!.Product, checkpoint,
                        (progress, notice, cancel) => analysis.RunAndWrite(paths, p.Run.Settings, checkpoint, resume, progress, notice, cancel), out RunMetadata? metadata);
                    if (exit != ExitCodes.Success || metadata is null) return exit;
                    finished.Add(new SweepSummaryFiles.FinishedRun(p.Run.Name, p.Command, p.OutPath, metadata, Array.Empty<FilterResult>()));
                    continue;
                }
                int code = SweepCommands.Run(context, p.Resolution, out SweepSummary? summary);
                if (code != ExitCodes.Success || summary is null) return code;
                foreach (string format in p.Run.Formats.Where(f => f != "json"))
                {
                    string extra = Path.ChangeExtension(p.OutPath, format);
                    AtomicFile.Write(extra, stream => ResultWriterRegistry.ForPath(extra).Write(summary, stream));
                }
                finished.Add(new SweepSummaryFiles.FinishedRun(p.Run.Name, p.Command, p.OutPath, summary));
            }
        }
        finally
        {
            if (finished.Count > 0)
            {
                SweepSummaryFiles.Write(outDir, new SweepSummaryFiles.Sweep(configPath, plan!.Sha256, plan.Description, context.CommandLine, planned.Count), finished);
            }
        }
        context.Error.WriteLine($"freqprobe sweep: {planned.Count} run{(planned.Count == 1 ? "" : "s")} done; summary in {Path.Combine(outDir, "summary.csv")}");
        return ExitCodes.Success;
    }

    // Every file the sweep will write, checked against each other and against what it reads (the config itself, each
    // run's weights and class list), after resolving links: names like "summary" or "x.predictions", or an out_dir of
    // "." beside the config, would otherwise overwrite one file with another.
    static IEnumerable<string> Collisions(string configPath, string outDir, IReadOnlyList<PlannedRun> planned)
    {
        var writes = new List<PlannedFile>();
        var reads = new List<PlannedFile> { new(configPath, "the config file") };
        foreach (PlannedRun p in planned)
        {
            string at = $"{p.Run.JsonPath} (run '{p.Run.Name}')";
            writes.AddRange(p.Run.Formats.Select(format => new PlannedFile(Path.ChangeExtension(p.OutPath, format), $"{at}'s {format} results")));
            if (p.Resolution.PredictionsPath is { } predictions) writes.Add(new PlannedFile(predictions, $"{at}'s predictions"));
            writes.Add(new PlannedFile(SweepCheckpoint.PathFor(p.OutPath), $"{at}'s checkpoint"));
            if (p.Resolution.Request!.WeightsPath is { } weights) reads.Add(new PlannedFile(weights, $"{p.Run.JsonPath}'s weights"));
            if (p.Resolution.Request.Dataset.ClassesFile is { } classes) reads.Add(new PlannedFile(classes, $"{p.Run.JsonPath}'s class list"));
        }
        writes.AddRange(new[] { "summary.csv", "summary.md", "summary.json" }.Select(name => new PlannedFile(Path.Combine(outDir, name), $"the sweep's {name}")));
        return FilePlan.Collisions(writes, reads).Select(c => c.IsRead
            ? $"{configPath}: {c.Write.What} would overwrite {c.Other.What} ({c.Other.Path}); expected another run name or out_dir."
            : $"{configPath}: {c.Write.What} and {c.Other.What} are both {c.Write.Path}; expected run names that keep every file apart.");
    }

    // The run as the equivalent single command, for --check and provenance: the settings in the order given, flags
    // only when on, and none of the command-line-only switches (--resume, --offline, --quiet).
    static string CommandOf(string command, GivenSettings settings)
    {
        var args = new List<string>();
        foreach (GivenValue value in settings.All.Where(v => v.Setting.NotInConfig is null || v.Setting == RunSettings.Out || v.Setting == RunSettings.Predictions))
        {
            if (value.Value is bool on)
            {
                if (on) args.Add(value.Setting.Option);
                continue;
            }
            args.Add(value.Setting.Option);
            args.Add(value.Spelling);
        }
        return "freqprobe " + command + " " + string.Join(' ', args.Select(FreqProbeApp.Quote));
    }

    // A problem where it was set: an option on the sweep's command line, else the JSON path of the key (or the run).
    static string Render(string configPath, ConfigRun run, GivenSettings settings, Problem problem)
    {
        string? origin = settings.OriginOf(problem.Setting);
        if (origin is not null && origin.StartsWith("--", StringComparison.Ordinal)) return $"{origin}: {problem.Message}";
        if (origin is not null) return $"{configPath}: {origin}: {problem.Message}";
        return $"{configPath}: {run.JsonPath}: {(problem.Setting is null ? "" : problem.Setting + ": ")}{problem.Message}";
    }

    // A run whose results file exists, matches the planned command and has no checkpoint pending is complete.
    static SweepSummaryFiles.FinishedRun? AlreadyDone(PlannedRun p)
    {
        if (!File.Exists(p.OutPath) || File.Exists(SweepCheckpoint.PathFor(p.OutPath))) return null;
        try
        {
            if (p.Run.Analysis is { } analysis)
            {
                RunMetadata metadata = analysis.ReadMetadata(p.OutPath);
                return metadata.Command == p.Command ? new SweepSummaryFiles.FinishedRun(p.Run.Name, p.Command, p.OutPath, metadata, Array.Empty<FilterResult>()) : null;
            }
            SweepSummary summary = JsonResultReader.Read(p.OutPath);
            return summary.Metadata.Command == p.Command ? new SweepSummaryFiles.FinishedRun(p.Run.Name, p.Command, p.OutPath, summary) : null;
        }
        catch (FreqProbe.Core.InputException)
        {
            return null;
        }
    }
}
