using FreqProbe.Core.Assets;
using FreqProbe.Core.Datasets;
using FreqProbe.Core.Models;
using FreqProbe.Core.Results;

namespace FreqProbe.Core.Tests;

/// <summary>One registry type behind models, datasets, assets and result formats: every name resolves, and an unknown one is the same error everywhere.</summary>
public sealed class RegistryTests
{
    public static TheoryData<string, string[], string> Registries => new()
    {
        { "model", ModelRegistry.Names.ToArray(), Message(() => ModelRegistry.Get("nope")) },
        { "dataset", DatasetRegistry.Names.ToArray(), Message(() => DatasetRegistry.NeedsData("nope")) },
        { "asset", AssetCatalog.Names.ToArray(), Message(() => AssetCatalog.Get("nope")) },
    };

    static string Message(Action action) => Assert.Throws<InputException>(action).Message;

    [Theory]
    [MemberData(nameof(Registries))]
    public void An_unknown_name_lists_every_registered_name_in_order(string what, string[] names, string message)
    {
        Assert.NotEmpty(names);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.EndsWith($"unknown {what} 'nope'; expected one of: {string.Join(", ", names)}.", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_registered_name_resolves()
    {
        foreach (string name in ModelRegistry.Names) Assert.Equal(name, ModelRegistry.Get(name).Name);
        foreach (string name in DatasetRegistry.Names) Assert.NotEmpty(DatasetRegistry.Describe(name));
        foreach (string name in AssetCatalog.Names) Assert.Equal(name, AssetCatalog.Get(name).Name);
        foreach (string extension in ResultWriterRegistry.Extensions) Assert.NotNull(ResultWriterRegistry.ForPath("r" + extension.ToUpperInvariant()));
        Assert.Contains("expected one of .csv, .json, .md", Message(() => ResultWriterRegistry.ForPath("r.exe")), StringComparison.Ordinal);
        // The resolver checks --out against the format list before any work; the writers must be exactly those.
        Assert.Equal(IO.FormatTags.ResultExtensions.Order(), ResultWriterRegistry.Extensions.Order());
    }

    [Fact]
    public void Aliases_resolve_without_being_listed_and_a_name_cannot_be_registered_twice()
    {
        var registry = new Registry<int>("thing", "thing", new[] { ("b", 2), ("a", 1) }).Alias("one", "a");
        Assert.Equal(new[] { "a", "b" }, registry.Names);
        Assert.Equal(1, registry.Get("one"));
        Assert.True(registry.Contains("one"));
        InputException unknown = Assert.Throws<InputException>(() => registry.Get("c"));
        Assert.Equal("thing", unknown.Setting);
        Assert.Equal("unknown thing 'c'; expected one of: a, b.", unknown.Message);
        Assert.Throws<InvalidOperationException>(() => new Registry<int>("thing", null, new[] { ("a", 1), ("a", 2) }));
        Assert.Throws<InvalidOperationException>(() => registry.Alias("x", "missing"));
    }
}
