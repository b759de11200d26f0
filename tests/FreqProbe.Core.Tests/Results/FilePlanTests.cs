using FreqProbe.Core.IO;
using FreqProbe.Core.Results;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Core.Tests.Results;

public sealed class FilePlanTests
{
    // The collisions found by resolving each path once equal those of comparing every pair, in the same order: a write
    // that repeats earlier writes (each named), and a write that is read; links count as their targets.
    [Fact]
    public void Collisions_are_those_of_every_pair_compared_with_links_resolved()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("config.json"), "{}");
        File.WriteAllText(dir.File("target.json"), "{}");
        File.CreateSymbolicLink(dir.File("link.json"), dir.File("target.json"));
        var random = new Random(5);
        string[] names = { "a.json", "b.json", "config.json", "target.json", "link.json", "sub/../a.json", "c.csv" };
        var writes = Enumerable.Range(0, 300).Select(k => new PlannedFile(dir.File(names[random.Next(names.Length)]), $"write {k}")).ToList();
        var reads = new List<PlannedFile> { new(dir.File("config.json"), "the config"), new(dir.File("link.json"), "a weights file") };

        var expected = new List<(PlannedFile, PlannedFile, bool)>();
        for (int i = 0; i < writes.Count; i++)
        {
            for (int j = 0; j < i; j++) if (AtomicFile.SameFile(writes[i].Path, writes[j].Path)) expected.Add((writes[i], writes[j], false));
            foreach (PlannedFile read in reads.Where(r => AtomicFile.SameFile(r.Path, writes[i].Path))) expected.Add((writes[i], read, true));
        }
        Assert.Equal(expected, FilePlan.Collisions(writes, reads).ToList());
        Assert.Contains(expected, c => c.Item3 && c.Item2.What == "a weights file" && c.Item1.Path.EndsWith("target.json", StringComparison.Ordinal));
    }
}
