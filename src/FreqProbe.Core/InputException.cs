namespace FreqProbe.Core;

/// <summary>
/// Bad input from the user: a file, a value or an option that cannot be used. The message names the offending
/// thing, the value seen and what was expected. The command line maps it to exit code 2.
/// </summary>
public sealed class InputException : Exception
{
    /// <summary>Creates the exception with a complete, user-facing message.</summary>
    public InputException(string message) : base(message) { }

    /// <summary>Creates the exception with a complete, user-facing message and its cause.</summary>
    public InputException(string message, Exception inner) : base(message, inner) { }
}
