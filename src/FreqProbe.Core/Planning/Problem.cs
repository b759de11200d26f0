namespace FreqProbe.Core.Planning;

/// <summary>
/// A problem with a run, as data: the setting it concerns (long name, or null for the run as a whole) and what is
/// wrong, including the value seen and what was expected. Front ends say where the setting came from: the command
/// line as <c>--radii: …</c>, a config as <c>$.runs[2].radii: …</c>.
/// </summary>
public sealed record Problem(string? Setting, string Message)
{
    /// <summary>A problem of the run as a whole.</summary>
    public static Problem General(string message) => new(null, message);

    /// <summary>The command-line rendering: <c>--setting: message</c>.</summary>
    public string ForCommandLine() => Setting is null ? Message : $"--{Setting}: {Message}";
}
