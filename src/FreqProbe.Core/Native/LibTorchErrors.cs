namespace FreqProbe.Core.Native;

/// <summary>Reading libtorch's error messages.</summary>
public static class LibTorchErrors
{
    /// <summary>
    /// The line of a libtorch message that says what went wrong: its first line, or, for an error inside the
    /// TorchScript interpreter (whose first line only says so, followed by tracebacks), the error line at its end.
    /// At most 300 characters.
    /// </summary>
    public static string Line(string message)
    {
        string[] lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string line = lines.FirstOrDefault() ?? message;
        if (line.StartsWith("The following operation failed in the TorchScript interpreter", StringComparison.Ordinal)
            && lines.LastOrDefault(l => l.Contains("Error: ", StringComparison.Ordinal)) is { } error)
        {
            line = error;
        }
        return line.Length > 300 ? line[..300] + "..." : line;
    }

    /// <summary>Whether <paramref name="e"/> is libtorch (or .NET) running out of memory.</summary>
    public static bool IsOutOfMemory(Exception e) =>
        e is OutOfMemoryException
        || (e is System.Runtime.InteropServices.ExternalException
            && (e.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("can't allocate memory", StringComparison.OrdinalIgnoreCase)));
}
