using System.CommandLine;
using System.Globalization;
using System.Text;
using FreqProbe.Core.IO;
using FreqProbe.Core.Results;

namespace FreqProbe.Cli.Commands;

/// <summary>`freqprobe compare`: the CI regression gate.</summary>
internal static class CompareCommand
{
    public static Command Create(CommandContext context)
    {
        var baseline = new Argument<string>("BASELINE") { Description = "Baseline results (.csv or .json)." };
        var current = new Argument<string>("CURRENT") { Description = "Current results (.csv or .json)." };
        var tolerance = new Option<double>("--tolerance") { Description = "Allowed top-1 drop in percentage points (absolute).", DefaultValueFactory = _ => 1.0 };
        var stat = new Option<bool>("--stat") { Description = "Also flag drops that a two-proportion z-test finds significant at --alpha." };
        var alpha = new Option<double>("--alpha") { Description = "Significance level for --stat.", DefaultValueFactory = _ => 0.05 };
        var report = new Option<string?>("--report") { Description = "Write a Markdown report (for a CI job summary) to this file." };
        var command = new Command("compare",
            "Compare two results files row by row (matched by model, filter and radius) and fail when a model's frequency\n" +
            "profile regressed: a top-1 drop of more than --tolerance points, or with --stat a significant drop.\n" +
            "Exit codes: 0 nothing regressed, 3 something regressed, 2 the files cannot be compared (the reason is printed),\n" +
            "1 an internal failure, so that a crash never reads as a regression.\n\n" +
            "Example:\n  freqprobe compare baseline.csv current.csv --tolerance 0.5 --stat --report summary.md");
        command.Arguments.Add(baseline);
        command.Arguments.Add(current);
        foreach (Option option in new Option[] { tolerance, stat, alpha, report }) command.Options.Add(option);
        command.SetAction(parsed =>
        {
            double tol = parsed.GetValue(tolerance), a = parsed.GetValue(alpha);
            if (tol < 0 || double.IsNaN(tol) || a is <= 0 or >= 1 || double.IsNaN(a))
            {
                context.Error.WriteLine($"freqprobe: error: --tolerance must be >= 0 and --alpha in (0, 1); got {tol.ToString(CultureInfo.InvariantCulture)} and {a.ToString(CultureInfo.InvariantCulture)}.");
                return ExitCodes.InputError;
            }
            string b = parsed.GetValue(baseline)!, c = parsed.GetValue(current)!;
            if (parsed.GetValue(report) is { } reportTarget && new[] { b, c }.FirstOrDefault(input => AtomicFile.SameFile(input, reportTarget)) is { } input)
            {
                context.Error.WriteLine($"freqprobe: error: --report: '{reportTarget}' is also an input ('{input}'); the report would replace it. Expected a new file.");
                return ExitCodes.InputError;
            }
            if (parsed.GetValue(report) is { } reportFile && AtomicFile.CheckWritable(reportFile) is { } why)
            {
                context.Error.WriteLine($"freqprobe: error: --report: cannot write '{reportFile}': {why}.");
                return ExitCodes.InputError;
            }
            bool statistical = parsed.GetValue(stat);
            IReadOnlyList<ComparedRow> rows = RegressionComparison.Compare(b, c, tol, statistical, a);
            foreach (ComparedRow r in rows)
            {
                context.Table.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{(r.Regressed ? "REGRESSED" : "ok       ")}  {r.Model,-16} {r.Filter,-26} {r.Radius,-7} {r.BaselineTop1,7:0.00}% -> {r.CurrentTop1,7:0.00}%  {(r.Reason.Length > 0 ? r.Reason : "")}"));
            }
            if (parsed.GetValue(report) is { } reportPath)
            {
                string markdown = RegressionComparison.Markdown(rows, b, c, tol, statistical, a);
                AtomicFile.Write(reportPath, s => s.Write(new UTF8Encoding(false).GetBytes(markdown)));
            }
            int regressed = rows.Count(r => r.Regressed);
            context.Error.WriteLine(regressed == 0 ? "freqprobe compare: no regression" : $"freqprobe compare: {regressed} of {rows.Count} rows regressed");
            return regressed == 0 ? ExitCodes.Success : ExitCodes.Regressed;
        });
        return command;
    }
}
