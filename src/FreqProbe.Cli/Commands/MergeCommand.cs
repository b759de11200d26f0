using System.CommandLine;
using FreqProbe.Core.Analyses;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.IO;
using FreqProbe.Core.Results;

namespace FreqProbe.Cli.Commands;

/// <summary>`freqprobe merge`: combine shard results exactly.</summary>
internal static class MergeCommand
{
    public static Command Create(CommandContext context)
    {
        var files = new Argument<string[]>("FILES") { Description = "The shards' JSON results (--out NAME.json of runs with --shard K/N).", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = $"Merged results; format from the extension: {string.Join(", ", ResultWriterRegistry.Extensions)}.", Required = true };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No table on stdout." };
        var command = new Command("merge",
            "Combine the JSON results of shards 0..N-1 of one run (--shard K/N) into the result of the unsharded run: counts\n" +
            "and sums add, so top-1, top-5, agreement, energy and per-class numbers are exactly those of a single run, and\n" +
            "the intervals are recomputed. Heat-map shards (`freqprobe heatmap --shard K/N --out s.json`) merge the same way, and\n" +
            "interaction shards (`freqprobe interactions --shard K/N --out s.json`) merge to the unsharded run's numbers, to the last digit.\n" +
            "Missing or repeated shards, and shards of different runs (model, weights hash,\n" +
            "filters, dataset, preprocessing), are refused with the reason.\n\n" +
            "Example:\n  for k in 0 1 2 3; do freqprobe lowpass ... --shard $k/4 --out s$k.json; done\n  freqprobe merge s0.json s1.json s2.json s3.json --out merged.csv");
        command.Arguments.Add(files);
        command.Options.Add(output);
        command.Options.Add(quiet);
        command.SetAction(parsed =>
        {
            string outPath = parsed.GetValue(output)!;
            string[] paths = parsed.GetValue(files)!;
            string[] notJson = paths.Where(p => !p.EndsWith(".json", StringComparison.OrdinalIgnoreCase)).ToArray();
            if (notJson.Length > 0)
            {
                foreach (string path in notJson)
                {
                    context.Error.WriteLine($"freqprobe: error: {path}: merge needs the shards' JSON results (the --out NAME.json of each --shard K/N run), " +
                        $"which keep the exact counts; '{Path.GetExtension(path)}' files do not.");
                }
                return ExitCodes.InputError;
            }
            if (paths.FirstOrDefault(p => AtomicFile.SameFile(p, outPath)) is { } input)
            {
                context.Error.WriteLine($"freqprobe: error: --out: '{outPath}' is also an input ('{input}'); merging into it would destroy that shard. Expected a new file.");
                return ExitCodes.InputError;
            }
            // The first shard's format tag picks the merge; accuracy results (and files without a known tag, which
            // their reader then names) merge as results.
            string? format = paths.Length > 0 ? ResultFormat.Of(paths[0]) : null;
            if (format is not null && AnalysisCommands.ByFormat(format) is { } analysis) return MergeAnalysis(context, analysis, paths, outPath, parsed.GetValue(quiet));
            IResultWriter writer = ResultWriterRegistry.ForPath(outPath);
            if (AtomicFile.CheckWritable(outPath) is { } why)
            {
                context.Error.WriteLine($"freqprobe: error: --out: cannot write '{outPath}': {why}.");
                return ExitCodes.InputError;
            }
            var shards = paths.Select(path => (path, JsonResultReader.Read(path))).ToArray();
            SweepSummary merged = ShardMerger.Merge(shards, context.CommandLine);
            AtomicFile.Write(outPath, stream => writer.Write(merged, stream));
            if (!parsed.GetValue(quiet)) TextTableWriter.Write(merged, context.Out);
            context.Error.WriteLine($"freqprobe: merged {shards.Length} shards ({merged.Metadata.Evaluated} images) into {outPath}");
            return ExitCodes.Success;
        });
        return command;
    }

    // An analysis's shards, merged by the analysis.
    static int MergeAnalysis(CommandContext context, IAnalysis analysis, string[] paths, string outPath, bool quiet)
    {
        if (OutputTargets.Problem(outPath, analysis.Extensions) is { } problem)
        {
            context.Error.WriteLine($"freqprobe: error: --out: {problem}");
            return ExitCodes.InputError;
        }
        MergeReport report = analysis.MergeFiles(paths, outPath, context.CommandLine);
        if (!quiet && report.Table is { } table) context.Out.Write(table);
        context.Error.WriteLine($"freqprobe: {report.Summary}");
        return ExitCodes.Success;
    }
}
