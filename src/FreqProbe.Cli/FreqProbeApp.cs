using System.CommandLine;
using FreqProbe.Cli.Commands;
using FreqProbe.Core;
using FreqProbe.Core.Datasets;
using FreqProbe.Core.IO;
using FreqProbe.Core.Results;

namespace FreqProbe.Cli;

/// <summary>The `freqprobe` command tree and its error handling, with the exit codes of <see cref="ExitCodes"/>.</summary>
internal static class FreqProbeApp
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool interactive, Func<string, string?>? variable = null)
    {
        var context = new CommandContext(stdout, stderr, interactive, "freqprobe " + string.Join(' ', args.Select(Quote)), variable ?? Environment.GetEnvironmentVariable);
        RootCommand root = Build(context);
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) stderr.WriteLine($"freqprobe: error: {error.Message}");
            if (parsed.CommandResult.Command == root && parsed.UnmatchedTokens.Count > 0 && parsed.UnmatchedTokens[0] is { } typed && Nearest(typed, root.Subcommands.Select(c => c.Name)) is { } command)
            {
                stderr.WriteLine($"Did you mean `freqprobe {command}`?");
            }
            stderr.WriteLine($"Run '{CommandPath(parsed)} --help' for usage.");
            return ExitCodes.InputError;
        }
        if (parsed.CommandResult.Command.Options.OfType<SharedQuiet>().FirstOrDefault() is { } quiet) context.Quiet = parsed.GetValue(quiet);
        try
        {
            try
            {
                return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
            }
            catch (AggregateException e)
            {
                // A parallel stage's failure is reported as what it is (an input error is still exit 2).
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ParallelFailure.Unwrap(e));
                throw;
            }
        }
        catch (InputException e)
        {
            stderr.WriteLine($"freqprobe: error: {e.ToProblem().ForCommandLine()}");
            return ExitCodes.InputError;
        }
        catch (BadImageException e)
        {
            // Only commands that have the option are told about it.
            bool canSkip = parsed.CommandResult.Command.Options.Any(o => o.Name == "--on-bad-image");
            stderr.WriteLine($"freqprobe: error: {e.Message}{(canSkip ? " (use --on-bad-image skip to leave such images out and count them)" : "")}");
            return ExitCodes.InputError;
        }
        catch (IOException e) when (AtomicFile.IsDiskFull(e))
        {
            stderr.WriteLine($"freqprobe: error: the disk is full: {e.Message}. Existing result files were left as they were; " +
                "free some space and run again (add --resume where the run had --out, to keep the work saved in its checkpoint).");
            return ExitCodes.InternalFailure;
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine($"freqprobe: interrupted ({CtrlC.SignalName}); no result files were replaced.");
            return CtrlC.ExitCode;
        }
        catch (Exception e) when (IsBrokenPipe(e))
        {
            return ExitCodes.Success; // `freqprobe ... | head -1`: the reader left, which is not an error
        }
        catch (Exception e)
        {
            stderr.WriteLine($"freqprobe: internal error: {e}");
            return ExitCodes.InternalFailure;
        }
    }

    static RootCommand Build(CommandContext context)
    {
        var root = new RootCommand(
            "FreqProbe: which frequencies does a vision model rely on?\n\n" +
            "Filters each model-input image in the Fourier domain (low-pass, high-pass or band-pass at chosen radii, in\n" +
            "cycles per image) and reports top-1/top-5 accuracy, agreement with the unfiltered prediction and the energy\n" +
            "kept, per radius. The filter follows the HFC convention (Wang et al. 2020); see `freqprobe lowpass --help`.\n\n" +
            "Examples:\n" +
            "  freqprobe lowpass                                  (built-in default: shipped synthetic model and data, offline)\n" +
            "  freqprobe lowpass --model resnet50 --radii 4..32   (torchvision ResNet-50 on ImageNet; weights downloaded on first use)\n" +
            "  freqprobe lowpass --model cifar-resnet20 --weights m.safetensors --dataset cifar10 --data DIR --radii 4..28:4 --out r.csv\n\n" +
            ExitCodes.Help);
        foreach (Command command in SweepCommands.Create(context)) root.Subcommands.Add(command);
        root.Subcommands.Add(SweepConfigCommand.Create(context));
        root.Subcommands.Add(MergeCommand.Create(context));
        root.Subcommands.Add(PlotCommand.Create(context));
        root.Subcommands.Add(KernelsCommand.Create(context));
        foreach ((_, Func<CommandContext, Command> create) in AnalysisCommands.Registry.All) root.Subcommands.Add(create(context));
        root.Subcommands.Add(PreviewCommand.Create(context));
        root.Subcommands.Add(BenchCommand.Create(context));
        root.Subcommands.Add(CompareCommand.Create(context));
        root.Subcommands.Add(TrainCommand.Create(context));
        root.Subcommands.Add(FetchCommand.Create(context));
        root.Subcommands.Add(PrepareCommand.Create(context));
        root.Subcommands.Add(DoctorCommand.Create(context));
        // Every command takes --quiet; those that do not handle it themselves drop their stdout table and progress bars.
        static IEnumerable<Command> All(Command c) => c.Subcommands.SelectMany(s => All(s).Prepend(s));
        Command[] commands = All(root).Prepend(root).ToArray();
        NumberOptions.Apply(commands);
        foreach (Command command in commands.Skip(1).Where(c => c.Options.All(o => o.Name != "--quiet"))) command.Options.Add(new SharedQuiet());
        return root;
    }

    // The --quiet of commands that do not handle it themselves: it mutes the context's table and progress bars.
    sealed class SharedQuiet : Option<bool>
    {
        public SharedQuiet() : base("--quiet", "-q") =>
            Description = "No table or summary on stdout and no progress bar; warnings and errors still go to stderr.";
    }

    // The command within two edits of what was typed (a transposition counts as one), if there is exactly one best.
    static string? Nearest(string typed, IEnumerable<string> names)
    {
        static int Distance(string a, string b)
        {
            var d = new int[a.Length + 1, b.Length + 1];
            for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
            for (int j = 0; j <= b.Length; j++) d[0, j] = j;
            for (int i = 1; i <= a.Length; i++)
            {
                for (int j = 1; j <= b.Length; j++)
                {
                    d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                    if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
            return d[a.Length, b.Length];
        }
        var scored = names.Select(n => (Name: n, Distance: Distance(typed.ToLowerInvariant(), n))).Where(s => s.Distance <= 2).OrderBy(s => s.Distance).ToArray();
        return scored.Length > 0 && (scored.Length == 1 || scored[0].Distance < scored[1].Distance) ? scored[0].Name : null;
    }

    static bool IsBrokenPipe(Exception e) => e is IOException io && (io.HResult == 32 || io.Message.Contains("Broken pipe", StringComparison.OrdinalIgnoreCase));

    static string CommandPath(ParseResult parsed)
    {
        var names = new List<string>();
        for (var result = parsed.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Insert(0, result.Command.Name);
        }
        names[0] = "freqprobe";
        return string.Join(' ', names);
    }

    internal static string Quote(string arg) => arg.Length > 0 && arg.All(c => char.IsLetterOrDigit(c) || "-_./:=,+@".Contains(c)) ? arg : $"'{arg.Replace("'", "'\\''")}'";
}
