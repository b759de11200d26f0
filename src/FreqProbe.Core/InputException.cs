namespace FreqProbe.Core;

/// <summary>
/// Bad input from the user: a file, a value or a setting that cannot be used. The message names the offending
/// thing, the value seen and what was expected. When the problem belongs to one setting, <see cref="Setting"/>
/// names it (its long name, e.g. "radii") and the message does not repeat it: each front end says where the setting
/// came from (<c>--radii: …</c> on the command line, <c>$.runs[2].radii: …</c> in a config). The command line maps
/// it to exit code 2.
/// </summary>
public sealed class InputException : Exception
{
    /// <summary>Creates the exception with a complete, user-facing message.</summary>
    public InputException(string message) : base(message) { }

    /// <summary>Creates the exception with a complete, user-facing message and its cause.</summary>
    public InputException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Creates the exception for a problem with <paramref name="setting"/>.</summary>
    public InputException(string setting, string message, Exception? inner = null) : base(message, inner) => Setting = setting;

    /// <summary>The setting the problem belongs to (long name without dashes), or null.</summary>
    public string? Setting { get; }

    /// <summary>The problem as data.</summary>
    public Planning.Problem ToProblem() => new(Setting, Message);
}
