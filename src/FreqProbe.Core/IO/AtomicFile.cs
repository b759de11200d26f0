namespace FreqProbe.Core.IO;

/// <summary>
/// Writes files so that a reader never sees half of one: the content goes to a temporary file in the same folder,
/// which replaces the target only once it is complete. A failure leaves any existing file untouched. A path that is a
/// symbolic link writes the link's target (the link stays a link), and a read-only target is refused, even for root.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, atomically.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        path = Target(path);
        if (ReadOnly(path) is { } why) throw new InputException($"{path}: {why}; nothing was written.");
        string temp = TempPathFor(path);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>The free space below which <see cref="CheckWritable"/> calls a disk full.</summary>
    public const long MinimumFreeBytes = 1024 * 1024;

    /// <summary>Bytes available to this user on the file system holding <paramref name="folder"/>; null if unknown.</summary>
    public static long? FreeBytes(string folder)
    {
        try
        {
            return new DriveInfo(folder).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    // Kernel file systems report no free space, which is not a full disk.
    static string? PseudoFileSystem(string folder)
    {
        try
        {
            string format = new DriveInfo(folder).DriveFormat;
            return format is "proc" or "sysfs" or "devpts" or "cgroup" or "cgroup2" or "debugfs" or "securityfs" or "configfs" or "tracefs" or "bpf" ? format : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="e"/> says the disk (or the user's quota) is full.</summary>
    public static bool IsDiskFull(Exception e) => ParallelFailure.IsDiskFull(e);

    /// <summary>The file that writing <paramref name="path"/> replaces: the final target of a symbolic link, else the path.</summary>
    public static string Target(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return info.LinkTarget is null ? path : info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
        }
        catch (IOException)
        {
            return path;
        }
    }

    /// <summary>Moves the finished <paramref name="temp"/> over <paramref name="path"/> (through a link to its target).</summary>
    public static void Replace(string temp, string path)
    {
        path = Target(path);
        if (ReadOnly(path) is { } why)
        {
            TryDelete(temp);
            throw new InputException($"{path}: {why}; nothing was written.");
        }
        File.Move(temp, path, overwrite: true);
    }

    // Unix permissions say the file must not be written; root would otherwise replace it silently.
    static string? ReadOnly(string path)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(path)) return null;
        UnixFileMode mode = File.GetUnixFileMode(path);
        return (mode & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) == 0
            ? $"it is read-only (mode {Convert.ToString((int)mode, 8)}); expected a writable file (chmod u+w) or another path"
            : null;
    }

    /// <summary>A fresh temporary name beside <paramref name="path"/>.</summary>
    public static string TempPathFor(string path)
    {
        string full = Path.GetFullPath(path);
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
    }

    /// <summary>
    /// Checks up front that <paramref name="path"/> can be written: its folder exists and accepts a new file. Returns
    /// null when it can, or the reason it cannot. With <paramref name="folderWillBeCreated"/>, a missing folder is fine
    /// when its nearest existing ancestor accepts new entries (the caller creates the folder before writing).
    /// </summary>
    public static string? CheckWritable(string path, bool folderWillBeCreated = false)
    {
        string full = Path.GetFullPath(Target(path));
        if (ReadOnly(full) is { } readOnly) return readOnly;
        string? folder = Path.GetDirectoryName(full);
        if (folder is not null && !Directory.Exists(folder) && folderWillBeCreated)
        {
            string? ancestor = folder;
            while (ancestor is not null && !Directory.Exists(ancestor))
            {
                if (File.Exists(ancestor)) return $"'{ancestor}' is a file, so folder '{folder}' cannot be created";
                ancestor = Path.GetDirectoryName(ancestor);
            }
            if (ancestor is null) return $"folder '{folder}' cannot be created";
            full = Path.Combine(ancestor, Path.GetFileName(full));
            folder = ancestor;
        }
        if (folder is null || !Directory.Exists(folder)) return $"folder '{folder}' does not exist";
        if (Directory.Exists(full)) return "it is a folder";
        if (PseudoFileSystem(folder) is { } kind) return $"'{folder}' is on the {kind} pseudo file system, which holds no files; expected a folder on a disk";
        if (FreeBytes(folder) is { } free && free < MinimumFreeBytes)
        {
            return $"the disk holding '{folder}' is full ({free / 1024} KiB free; at least {MinimumFreeBytes / 1024 / 1024} MiB expected)";
        }
        string probe = TempPathFor(full);
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
            }
            File.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e.Message;
        }
    }

    /// <summary>
    /// True when <paramref name="a"/> and <paramref name="b"/> name the same file once relative parts and symbolic
    /// links are resolved (whether or not it exists yet).
    /// </summary>
    public static bool SameFile(string a, string b) => string.Equals(Resolved(a), Resolved(b), StringComparison.Ordinal);

    /// <summary>The full path of <paramref name="path"/> with links resolved: two paths are <see cref="SameFile"/> when these are equal.</summary>
    public static string Resolved(string path)
    {
        string full = Path.GetFullPath(path);
        try
        {
            return File.Exists(full) || Directory.Exists(full) ? new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full : full;
        }
        catch (IOException)
        {
            return full;
        }
    }

    /// <summary>Deletes <paramref name="path"/> if it exists, ignoring failures.</summary>
    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
