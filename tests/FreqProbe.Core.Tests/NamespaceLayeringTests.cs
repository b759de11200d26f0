using System.Text.RegularExpressions;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Core.Tests;

/// <summary>
/// The namespaces of FreqProbe.Core form layers: no namespace depends, through any chain, on one that depends on it.
/// A file depends on a namespace it imports (<c>using FreqProbe.Core.X;</c>) or names in code (<c>X.Type</c> for a
/// sibling X, or <c>FreqProbe.Core.X.</c>); comments do not count. The root namespace (InputException, Registry) is
/// the base every namespace may use.
/// </summary>
public sealed partial class NamespaceLayeringTests
{
    [Fact]
    public void Core_has_no_namespace_cycles()
    {
        string core = Path.Combine(SharedData.RepositoryRoot, "src", "FreqProbe.Core");
        string[] spaces = Directory.GetDirectories(core).Select(Path.GetFileName).Where(d => d is not ("bin" or "obj")).Select(d => d!).ToArray();
        var edges = new Dictionary<(string From, string To), List<string>>();
        foreach (string space in spaces)
        {
            foreach (string file in Directory.EnumerateFiles(Path.Combine(core, space), "*.cs", SearchOption.AllDirectories))
            {
                string text = File.ReadAllText(file);
                string own = NamespaceLine().Match(text) is { Success: true } m ? m.Groups[1].Value : space;
                string code = Comment().Replace(text, "");
                var used = new HashSet<string>(UsingLine().Matches(code).Select(u => u.Groups[1].Value));
                used.UnionWith(QualifiedName().Matches(code).Select(q => q.Groups[1].Value).Where(spaces.Contains));
                used.UnionWith(FullName().Matches(code).Select(q => q.Groups[1].Value));
                foreach (string other in used.Where(u => u != own && spaces.Contains(u)))
                {
                    if (!edges.TryGetValue((own, other), out List<string>? files)) edges[(own, other)] = files = new List<string>();
                    files.Add(Path.GetRelativePath(core, file));
                }
            }
        }
        // A namespace is on a cycle when it reaches itself.
        var cycles = new List<string>();
        foreach (string start in spaces)
        {
            var seen = new HashSet<string>();
            var queue = new Queue<string>(edges.Keys.Where(e => e.From == start).Select(e => e.To));
            while (queue.TryDequeue(out string? next))
            {
                if (!seen.Add(next)) continue;
                foreach ((string from, string to) in edges.Keys.Where(e => e.From == next)) queue.Enqueue(to);
            }
            if (seen.Contains(start))
            {
                cycles.Add($"{start} reaches itself; its dependencies: " + string.Join("; ", edges.Where(e => e.Key.From == start && seen.Contains(e.Key.To))
                    .Select(e => $"{e.Key.To} ({string.Join(", ", e.Value.Take(3))})")));
            }
        }
        Assert.True(spaces.Length > 10, $"found only {spaces.Length} namespaces under {core}");
        Assert.True(cycles.Count == 0, string.Join("\n", cycles));
    }

    [GeneratedRegex(@"^namespace FreqProbe\.Core\.(\w+)", RegexOptions.Multiline)]
    private static partial Regex NamespaceLine();

    [GeneratedRegex(@"//.*")]
    private static partial Regex Comment();

    [GeneratedRegex(@"using FreqProbe\.Core\.(\w+)")]
    private static partial Regex UsingLine();

    [GeneratedRegex(@"(?<![\w.])(\w+)\.[A-Z]\w*")]
    private static partial Regex QualifiedName();

    [GeneratedRegex(@"FreqProbe\.Core\.(\w+)\.")]
    private static partial Regex FullName();
}
