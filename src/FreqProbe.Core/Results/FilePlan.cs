namespace FreqProbe.Core.Results;

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
    public static IEnumerable<(PlannedFile Write, PlannedFile Other, bool IsRead)> Collisions(IReadOnlyList<PlannedFile> writes, IReadOnlyList<PlannedFile> reads)
    {
        for (int i = 0; i < writes.Count; i++)
        {
            for (int j = 0; j < i; j++)
            {
                if (AtomicFile.SameFile(writes[i].Path, writes[j].Path)) yield return (writes[i], writes[j], false);
            }
            foreach (PlannedFile read in reads.Where(r => AtomicFile.SameFile(r.Path, writes[i].Path))) yield return (writes[i], read, true);
        }
    }
}
