using FreqProbe.Core;
using System.CommandLine;
using FreqProbe.Core.Charts;
using FreqProbe.Core.IO;
using FreqProbe.Core.Interactions;
using FreqProbe.Core.Results;
using FreqProbe.Core.Sensitivity;
using FreqProbe.Core.Training;

namespace FreqProbe.Cli.Commands;

/// <summary>`freqprobe plot`: accuracy charts from results files.</summary>
internal static class PlotCommand
{
    public static Command Create(CommandContext context)
    {
        var files = new Argument<string[]>("FILES") { Description = "Results files (.csv or .json) from lowpass/highpass/bandpass, merge or sweep; or interaction JSONs (freqprobe interactions --out NAME.json); or sensitivity JSONs (freqprobe sensitivity --out NAME.json); or training probe files (NAME.probe.csv or NAME.fprinciple.csv from train --probe-radii/--probe-fprinciple).", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "Chart file: .png or .svg.", Required = true };
        var outputs = new Option<string[]>("--also") { Description = "More chart files of the same chart, e.g. --also chart.svg." };
        var x = new Option<string>("--x") { Description = "x axis: radius (cycles per image; bands at their outer radius) or energy (share of spectral energy kept).", DefaultValueFactory = _ => "radius" };
        var titleOption = new Option<string?>("--title") { Description = "Chart title." };
        var width = new Option<int>("--width") { Description = "Width in pixels.", DefaultValueFactory = _ => 900 };
        var height = new Option<int>("--height") { Description = "Height in pixels.", DefaultValueFactory = _ => 560 };
        x.AcceptOnlyFromAmong("radius", "energy");
        var command = new Command("plot",
            "Chart top-1 accuracy against the filter radius (or the energy kept) from one or more results files: one line per\n" +
            "file and filter kind with its 95% Wilson interval shaded, the clean baseline dashed and chance dotted. Legends\n" +
            "name the model and the weights (JSON results; CSV results are named by file). Interaction results\n" +
            "(`freqprobe interactions --out NAME.json`) chart J(m) against m/n instead, one line per file; sensitivity results\n" +
            "(`freqprobe sensitivity --out NAME.json`) chart their radial profiles, one line per file. Training probe files\n" +
            "chart against the epoch: NAME.probe.csv top-1 per split, filter and radius; NAME.fprinciple.csv e_low and e_high.\n\n" +
            "Example:\n  freqprobe lowpass --out low.json && freqprobe highpass --out high.json\n  freqprobe plot low.json high.json --out curve.png --also curve.svg");
        command.Arguments.Add(files);
        foreach (Option option in new Option[] { output, outputs, x, titleOption, width, height }) command.Options.Add(option);
        command.SetAction(parsed =>
        {
            var problems = new List<string>();
            string[] inputs = parsed.GetValue(files)!;
            string[] kinds = inputs.Select(KindOf).ToArray();
            if (kinds.Distinct().Count() > 1)
            {
                string[] named = kinds.Distinct().Select(k => Charts.Get(k).What).ToArray();
                context.Error.WriteLine($"freqprobe: error: FILES mix {string.Join(" with ", named)}; expected one kind per chart.");
                return ExitCodes.InputError;
            }
            var chart = new ChartRequest(inputs, inputs.Select(f => Path.GetFileName(f)).ToArray(), parsed.GetValue(titleOption), parsed.GetValue(width),
                parsed.GetValue(height), parsed.GetValue(x) == "energy" ? ChartAxis.Energy : ChartAxis.Radius, problems);
            Action<string> draw = Charts.Get(kinds[0]).Prepare(chart);
            string[] targets = parsed.GetValue(outputs)!.Prepend(parsed.GetValue(output)!).ToArray();
            string OptionOf(int k) => k == 0 ? "--out" : "--also";
            for (int k = 0; k < targets.Length; k++)
            {
                if (parsed.GetValue(files)!.Any(f => AtomicFile.SameFile(f, targets[k])))
                    problems.Add($"{OptionOf(k)}: '{targets[k]}' is also an input; the chart would replace it. Expected a new file.");
            }
            for (int k = 0; k < targets.Length; k++)
            {
                string target = targets[k];
                if (OutputFiles.Problem(target, OutputFiles.Pictures) is { } problem) problems.Add($"{OptionOf(k)}: {problem}");
            }
            if (parsed.GetValue(width) is < 100 or > 10000 || parsed.GetValue(height) is < 100 or > 10000) problems.Add("--width/--height: expected 100 to 10000 pixels.");
            if (problems.Count > 0)
            {
                foreach (string problem in problems) context.Error.WriteLine($"freqprobe: error: {problem}");
                return ExitCodes.InputError;
            }
            foreach (string target in targets)
            {
                // ScottPlot writes to a path; render beside the target and move it into place, so a good chart is never replaced by half of one.
                string temp = AtomicFile.TempPathFor(AtomicFile.Target(target)) + Path.GetExtension(target);
                draw(temp);
                AtomicFile.Replace(temp, target);
                context.Error.WriteLine($"freqprobe: wrote {target}");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    // What a chart is drawn from: the files, their names, title, size and x axis; problems reading them are collected.
    sealed record ChartRequest(string[] Files, string[] Names, string? Title, int Width, int Height, ChartAxis Axis, List<string> Problems);

    // A kind of chart: what its files are called in messages, and how it reads them into a drawing.
    sealed record ChartKind(string What, Func<ChartRequest, Action<string>> Prepare);

    // The kind of a file: a training probe file by its header, an interaction result by its format tag, else accuracy results.
    static string KindOf(string file) => ProbeFiles.KindOf(file) ?? ResultFormat.Of(file) switch
    {
        InteractionFiles.Format => "interactions",
        SensitivityFiles.Format => "sensitivity",
        _ => "accuracy",
    };

    // Every kind of chart by the kind of its files, one registry.
    static readonly Core.Registry<ChartKind> Charts = new("chart", null, new (string, ChartKind)[]
    {
        ("interactions", new ChartKind("interaction results", c =>
        {
            var strengths = c.Files.Select(f => InteractionFiles.Series(InteractionFiles.Read(f))).ToArray();
            return temp => InteractionChart.Save(strengths, temp, c.Title, c.Width, c.Height);
        })),
        ("sensitivity", new ChartKind("sensitivity results", c =>
        {
            var results = c.Files.SelectMany(f => InputProblems.Collect(c.Problems, () => new[] { SensitivityFiles.Read(f) }, Array.Empty<SensitivityResult>())).ToArray();
            return temp => SensitivityFiles.SaveProfiles(results, temp, c.Title, c.Width, c.Height);
        })),
        ("accuracy", new ChartKind("accuracy results", c =>
        {
            var series = c.Files.SelectMany(f => InputProblems.Collect(c.Problems, () => AccuracyChart.Load(f, c.Axis), Array.Empty<ChartSeries>())).ToArray();
            return temp => AccuracyChart.Save(series, c.Axis, temp, c.Title, c.Width, c.Height);
        })),
        ("probe", new ChartKind("probe files", c =>
        {
            var rows = c.Files.Select(f => InputProblems.Collect<IReadOnlyList<ProbeRow>>(c.Problems, () => ProbeFiles.ReadAccuracy(f), Array.Empty<ProbeRow>())).ToArray();
            return temp => ProbeChart.SaveAccuracy(c.Names.Zip(rows).ToArray(), temp, c.Title, c.Width, c.Height);
        })),
        ("fprinciple", new ChartKind("fprinciple files", c =>
        {
            var rows = c.Files.Select(f => InputProblems.Collect<IReadOnlyList<FPrincipleRow>>(c.Problems, () => ProbeFiles.ReadFPrinciple(f), Array.Empty<FPrincipleRow>())).ToArray();
            return temp => ProbeChart.SaveFPrinciple(c.Names.Zip(rows).ToArray(), temp, c.Title, c.Width, c.Height);
        })),
    });
}
