using FreqProbe.Core.Analyses;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.IO;
using FreqProbe.Core.Planning;

namespace FreqProbe.Core.Sensitivity;

/// <summary>Fourier sensitivity (Krishnamachari et al. 2023) as an analysis: its settings, its request and its exact shard merge.</summary>
public sealed class SensitivityAnalysis : Analysis<SensitivityRequest, SensitivityResult>
{
    /// <summary>The one instance.</summary>
    public static SensitivityAnalysis Instance { get; } = new();

    SensitivityAnalysis()
    {
    }

    /// <summary>The --value names, in <see cref="SensitivityValue"/> order.</summary>
    public static IReadOnlyList<string> ValueNames { get; } = new[] { "loss", "logit", "logodds" };

    /// <summary>--value.</summary>
    public static readonly Setting Value = new("value", SettingKind.Choice, SettingGroup.Analysis,
        "The output differentiated: loss (default, as the paper) = cross-entropy of the true class, logsumexp_c z_c - z_y; " +
        "logit = z_y; logodds = z_y - logsumexp_{c!=y} z_c.")
    {
        Choices = ValueNames,
        Default = "loss",
        Example = "logit",
        Identity = Setting.RecordedParameter("value"),
    };

    /// <inheritdoc/>
    public override string Name => "sensitivity";

    /// <inheritdoc/>
    public override string FormatTag => FormatTags.Sensitivity;

    /// <inheritdoc/>
    public override IReadOnlyList<Setting> Settings => OwnSettings;

    // After the settings: static fields are initialised in order.
    static readonly Setting[] OwnSettings = { Value };

    /// <inheritdoc/>
    public override IReadOnlyList<string> Extensions => SensitivityFiles.Extensions;

    /// <inheritdoc/>
    public override string Product => "the sensitivity map";

    /// <summary>The option name of <paramref name="value"/>.</summary>
    public static string ValueName(SensitivityValue value) => ValueNames[(int)value];

    /// <summary>Parses a --value name; anything else is an input error naming <paramref name="source"/>.</summary>
    public static SensitivityValue ParseValue(string name, string source)
    {
        int k = ValueNames.ToList().IndexOf(name);
        return k >= 0 ? (SensitivityValue)k : throw new InputException($"{source}: value '{name}' is not one of {string.Join(", ", ValueNames)}.");
    }

    /// <summary>What a sensitivity run records of its own settings (<see cref="RunMetadata.Parameters"/>).</summary>
    public static IReadOnlyDictionary<string, string> Recorded(SensitivityValue value) => new Dictionary<string, string> { [Value.Name] = ValueName(value) };

    /// <inheritdoc/>
    public override SensitivityRequest? Plan(GivenSettings given, RunRequest? evaluation, List<string> problems)
    {
        if (evaluation is null) return null;
        return new SensitivityRequest(evaluation, ParseValue(given.TextOrDefault(Value), "--value"));
    }

    /// <inheritdoc/>
    public override SensitivityResult Run(SensitivityRequest request, IProgress<SweepProgress>? progress, Action<string>? notice, SensitivityResult? resumeFrom,
        Action<Func<SensitivityResult>>? snapshot, CancellationToken cancellation) => SensitivityRunner.Run(request, progress, notice, resumeFrom, snapshot, cancellation);

    /// <inheritdoc/>
    public override RunRequest EvaluationOf(SensitivityRequest request) => request.Evaluation;

    /// <inheritdoc/>
    public override void Write(SensitivityResult result, GivenSettings given, string path) => SensitivityFiles.Write(result, path);

    /// <inheritdoc/>
    public override SensitivityResult Read(string path) => SensitivityFiles.Read(path);

    /// <inheritdoc/>
    public override RunMetadata Metadata(SensitivityResult result) => result.Metadata;

    /// <inheritdoc/>
    protected override IEnumerable<string> OtherDifferences(SensitivityResult first, SensitivityResult other)
    {
        if (other.Size != first.Size) yield return $"its map is {other.Size}x{other.Size}, the first shard's {first.Size}x{first.Size}";
    }

    /// <summary>The exact sums add and the images join in dataset order, so the merged result equals an unsharded run's to the bit.</summary>
    protected override SensitivityResult Combine(IReadOnlyList<SensitivityResult> shards, RunMetadata merged)
    {
        var images = shards.SelectMany(s => s.Images).OrderBy(i => i.Index).ToArray();
        int repeated = images.Zip(images.Skip(1)).Count(p => p.First.Index == p.Second.Index);
        if (repeated > 0) throw new InputException($"merge refused: {repeated} image(s) appear in more than one shard; expected disjoint shards of one run.");
        var map = new Statistics.ExactSums(shards[0].Map.Count);
        foreach (SensitivityResult shard in shards) map.Add(shard.Map);
        return new SensitivityResult(shards[0].Size, shards[0].Value, map, images, merged, shards.Sum(s => s.Seconds));
    }

    /// <inheritdoc/>
    protected override string Merged(SensitivityResult merged, int shards, string outPath) =>
        $"merged {shards} sensitivity shards ({merged.Images.Count} images) into {outPath}";
}
