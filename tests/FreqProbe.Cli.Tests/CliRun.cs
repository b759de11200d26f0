namespace FreqProbe.Cli.Tests;

/// <summary>Runs the real command tree in-process and captures what it prints.</summary>
internal sealed record CliRun(int ExitCode, string Out, string Error)
{
    public static CliRun Invoke(params string[] args) => InvokeWith(null, args);

    /// <summary>
    /// Runs with <paramref name="variables"/> in place of the process environment for FREQPROBE_HOME, FREQPROBE_OFFLINE
    /// and FREQPROBE_MIRROR (other names read the real environment), so tests in parallel can each have their own cache.
    /// </summary>
    public static CliRun InvokeWith(IReadOnlyDictionary<string, string?>? variables, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Func<string, string?> lookup = name => variables is not null && variables.TryGetValue(name, out string? value) ? value : Environment.GetEnvironmentVariable(name);
        int code = FreqProbeApp.Run(args, stdout, stderr, interactive: false, lookup);
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }
}
