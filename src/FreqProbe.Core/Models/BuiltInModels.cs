using System.Reflection;
using FreqProbe.Core.IO;

namespace FreqProbe.Core.Models;

/// <summary>
/// Weights shipped inside FreqProbe, named <c>builtin:NAME</c>. They are written once (with their model card) to
/// the cache's <c>builtin/</c> folder (<see cref="Assets.AssetCache.DefaultRoot"/>) so that every weights path in the
/// code stays a real file.
/// </summary>
public static class BuiltInModels
{
    /// <summary>The prefix that names built-in weights.</summary>
    public const string Prefix = "builtin:";

    /// <summary>The weights the evaluation commands use when given no --dataset, --data or --weights.</summary>
    public const string Default = "builtin:synthetic";

    static readonly Dictionary<string, string> Files = new(StringComparer.Ordinal)
    {
        ["synthetic"] = "cifar-resnet20-synthetic",
    };

    /// <summary>The built-in names, without the prefix.</summary>
    public static IReadOnlyCollection<string> Names => Files.Keys;

    /// <summary>
    /// The CIFAR-10 models trained with FreqProbe and committed in the repository's models/ folder (see models/README.md),
    /// named where a CIFAR architecture is given no --weights.
    /// </summary>
    public static IReadOnlyList<string> TrainedInRepository { get; } = new[]
    {
        "models/cifar-resnet20-natural/cifar-resnet20-natural.safetensors",
        "models/cifar-resnet20-gaussian/cifar-resnet20-gaussian.safetensors",
        "models/cifar-resnet20-fgsm/cifar-resnet20-fgsm.safetensors",
    };

    /// <summary>
    /// A file path for <paramref name="weights"/>: built-in names are materialised in the <c>builtin/</c> folder of the
    /// cache at <paramref name="cacheRoot"/> (default <see cref="Assets.AssetCache.DefaultRoot"/>); other values pass through.
    /// </summary>
    public static string Resolve(string weights, string? cacheRoot = null)
    {
        if (!weights.StartsWith(Prefix, StringComparison.Ordinal)) return weights;
        string name = weights[Prefix.Length..];
        if (!Files.TryGetValue(name, out string? stem))
        {
            throw new InputException("weights", $"unknown built-in weights '{weights}'; expected one of: {string.Join(", ", Files.Keys.Select(k => Prefix + k))}.");
        }
        string folder = Path.Combine(cacheRoot ?? Assets.AssetCache.DefaultRoot, "builtin");
        Directory.CreateDirectory(folder);
        string weightsPath = Path.Combine(folder, stem + ".safetensors");
        Materialize(stem + ".safetensors", weightsPath);
        Materialize(stem + ".card.json", Path.Combine(folder, stem + ".card.json"));
        return weightsPath;
    }

    static void Materialize(string resource, string path)
    {
        using Stream source = Assembly.GetExecutingAssembly().GetManifestResourceStream("FreqProbe.Core.BuiltIn." + resource)
            ?? throw new InvalidOperationException($"built-in resource {resource} is missing from the assembly");
        if (File.Exists(path) && new FileInfo(path).Length == source.Length)
        {
            using var memory = new MemoryStream();
            source.CopyTo(memory);
            if (memory.ToArray().AsSpan().SequenceEqual(File.ReadAllBytes(path))) return;
            source.Position = 0;
        }
        AtomicFile.Write(path, target => source.CopyTo(target));
    }
}
