using System.Globalization;

namespace FreqProbe.Core.Tests.Support;

/// <summary>A process as Linux's /proc/PID/stat describes it: its state and its parent, for the tests that signal real processes.</summary>
public static class ProcStat
{
    // The fields after "PID (COMMAND) ": the command may hold spaces and parentheses, so they start after the last ')'.
    static string[]? Fields(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Whether process <paramref name="pid"/> runs: it exists and is not a zombie (a killed child nobody has reaped yet).</summary>
    public static bool Running(int pid) => Fields(pid) is { } fields && fields[0] != "Z";

    /// <summary>The processes whose parent is <paramref name="parent"/>.</summary>
    public static IEnumerable<int> ChildrenOf(int parent) => Directory.EnumerateDirectories("/proc")
        .Select(d => int.TryParse(Path.GetFileName(d), out int pid) ? pid : 0)
        .Where(pid => pid != 0 && Fields(pid) is { } fields && int.Parse(fields[1], CultureInfo.InvariantCulture) == parent);
}
