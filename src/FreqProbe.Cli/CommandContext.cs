using FreqProbe.Core.Planning;

namespace FreqProbe.Cli;

/// <summary>
/// Where a command writes, whether stderr is a terminal, the command line for provenance, and how it reads the
/// environment (FREQPROBE_HOME, FREQPROBE_OFFLINE, FREQPROBE_MIRROR); tests pass their own.
/// </summary>
internal sealed record CommandContext(TextWriter Out, TextWriter Error, bool Interactive, string CommandLine, Func<string, string?> Variable)
{
    /// <summary>A context that reads the process environment.</summary>
    public CommandContext(TextWriter output, TextWriter error, bool interactive, string commandLine)
        : this(output, error, interactive, commandLine, Environment.GetEnvironmentVariable)
    {
    }

    /// <summary>
    /// Set by the command tree when a command without its own --quiet handling was given --quiet: its stdout table and
    /// progress bars are dropped (write stdout through <see cref="Table"/>); warnings and errors still reach stderr.
    /// </summary>
    public bool Quiet { get; set; }

    /// <summary>Stdout for tables and summaries: <see cref="TextWriter.Null"/> under --quiet.</summary>
    public TextWriter Table => Quiet ? TextWriter.Null : Out;

    /// <summary>Whether to draw progress bars: stderr is a terminal and --quiet was not given.</summary>
    public bool ShowsProgress => Interactive && !Quiet;

    /// <summary>
    /// How often a long run writes a progress line when stderr is not a terminal: FREQPROBE_PROGRESS_SECONDS (default
    /// 60); null under --quiet or on a terminal, where the bar shows progress.
    /// </summary>
    public TimeSpan? ProgressLines(bool quiet) => Interactive || quiet || Quiet ? null
        : TimeSpan.FromSeconds(double.TryParse(Variable("FREQPROBE_PROGRESS_SECONDS"), System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture, out double seconds) && seconds >= 0 ? seconds : 60);

    /// <summary>The cache, download and provenance settings that resolution consults.</summary>
    /// <summary>
    /// Prints a notice from a run: information (what the execution-path verification does) unless quiet, anything else
    /// as a warning.
    /// </summary>
    public void Notice(string message, bool quiet)
    {
        if (!message.StartsWith(FreqProbe.Core.Execution.PathVerifier.InformationPrefix, StringComparison.Ordinal))
        {
            Error.WriteLine($"\nfreqprobe: warning: {message}");
        }
        else if (!quiet && !Quiet)
        {
            Error.WriteLine($"\nfreqprobe: {message}");
        }
    }

    public ResolverEnvironment Resolver => ResolverEnvironment.FromVariables(CommandLine, Variable);
}
