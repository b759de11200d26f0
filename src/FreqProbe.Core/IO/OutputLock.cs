using System.Globalization;

namespace FreqProbe.Core.IO;

/// <summary>
/// An advisory lock on a results file for the duration of a run: <c>OUT.lock</c> beside it, held open exclusively
/// (an flock on Unix, released by the kernel when the process dies, so a killed run leaves no stale lock), and
/// <c>OUT.lock.holder</c> naming the holder (a locked file cannot be read by others). A second run that wants the same file refuses with the holder's process, host, start time and
/// command, instead of interleaving checkpoints or racing to replace the file.
/// </summary>
public sealed class OutputLock : IDisposable
{
    readonly FileStream stream;

    OutputLock(FileStream stream, string path)
    {
        this.stream = stream;
        Path = path;
    }

    /// <summary>The lock file.</summary>
    public string Path { get; }

    /// <summary>The lock file for <paramref name="output"/>.</summary>
    public static string PathFor(string output) => output + ".lock";

    /// <summary>
    /// Takes the lock on <paramref name="output"/> for <paramref name="command"/>; an <see cref="InputException"/> for
    /// <paramref name="setting"/> names the holder when another run has it.
    /// </summary>
    public static OutputLock Acquire(string output, string setting, string command)
    {
        string path = PathFor(System.IO.Path.GetFullPath(output));
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (File.Exists(path))
        {
            throw new InputException(setting, $"'{output}' is being written by another run ({Holder(path)}); its lock is {path}. " +
                "Wait for that run to finish, or write somewhere else.", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InputException(setting, $"cannot lock '{output}': {e.Message}", e);
        }
        AtomicFile.Write(path + ".holder", s => s.Write(System.Text.Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"process {Environment.ProcessId} on {Environment.MachineName} since {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss}Z: {command}\n"))));
        var taken = new OutputLock(stream, path);
        lock (Held) Held.Add(taken);
        return taken;
    }

    static readonly HashSet<OutputLock> Held = new();

    /// <summary>
    /// Releases every lock this process holds: for a process about to end without unwinding (the forward watchdog's
    /// hard exit), which would otherwise leave the lock files behind.
    /// </summary>
    public static void ReleaseHeld()
    {
        OutputLock[] all;
        lock (Held) all = Held.ToArray();
        foreach (OutputLock held in all) held.Dispose();
    }

    // What the holder wrote into the lock, read without taking a lock of our own.
    static string Holder(string path)
    {
        try
        {
            string text = File.ReadAllText(path + ".holder").Trim();
            return text.Length > 0 ? text : "holder unknown";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "holder unknown";
        }
    }

    /// <summary>Removes the lock file and releases the lock.</summary>
    public void Dispose()
    {
        lock (Held)
        {
            if (!Held.Remove(this)) return;
        }
        AtomicFile.TryDelete(Path + ".holder");
        AtomicFile.TryDelete(Path);
        stream.Dispose();
    }
}
