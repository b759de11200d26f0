namespace FreqProbe.Cli.Tests;

/// <summary>Runs the real command tree in-process and captures what it prints.</summary>
internal sealed record CliRun(int ExitCode, string Out, string Error)
{
    public static CliRun Invoke(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = FreqProbeApp.Run(args, stdout, stderr, interactive: false);
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }
}
