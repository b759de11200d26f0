using System.CommandLine;
using FreqProbe.Core.Evaluation;
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
            "the intervals are recomputed. Missing or repeated shards, and shards of different runs (model, weights hash,\n" +
            "filters, dataset, preprocessing), are refused with the reason.\n\n" +
            "Example:\n  for k in 0 1 2 3; do freqprobe lowpass ... --shard $k/4 --out s$k.json; done\n  freqprobe merge s0.json s1.json s2.json s3.json --out merged.csv");
        command.Arguments.Add(files);
        command.Options.Add(output);
        command.Options.Add(quiet);
        command.SetAction(parsed =>
        {
            string outPath = parsed.GetValue(output)!;
            IResultWriter writer = ResultWriterRegistry.ForPath(outPath);
            if (AtomicFile.CheckWritable(outPath) is { } why)
            {
                context.Error.WriteLine($"freqprobe: error: --out: cannot write '{outPath}': {why}.");
                return ExitCodes.InputError;
            }
            var shards = parsed.GetValue(files)!.Select(path => (path, JsonResultReader.Read(path))).ToArray();
            SweepSummary merged = ShardMerger.Merge(shards, context.CommandLine);
            AtomicFile.Write(outPath, stream => writer.Write(merged, stream));
            if (!parsed.GetValue(quiet)) TextTableWriter.Write(merged, context.Out);
            context.Error.WriteLine($"freqprobe: merged {shards.Length} shards ({merged.Metadata.Evaluated} images) into {outPath}");
            return ExitCodes.Success;
        });
        return command;
    }
}
