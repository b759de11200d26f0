using System.Globalization;
using FreqProbe.Core.Analyses;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.IO;
using FreqProbe.Core.Planning;

namespace FreqProbe.Core.Heatmaps;

/// <summary>The Fourier heat map (Yin et al. 2019) as an analysis: its settings, its request and its shard merge.</summary>
public sealed class HeatmapAnalysis : Analysis<HeatmapRequest, HeatmapResult>
{
    /// <summary>The one instance.</summary>
    public static HeatmapAnalysis Instance { get; } = new();

    HeatmapAnalysis()
    {
    }

    /// <summary>--eps.</summary>
    public static readonly Setting Epsilon = new("eps", SettingKind.Number, SettingGroup.Analysis,
        "L2 norm of the perturbation per channel, [0,1] units (default 4 at 32x32, 15.7 above 64 pixels).")
    {
        Example = "8",
        Identity = Setting.RecordedParameter("eps"),
    };

    /// <summary>--max-freq.</summary>
    public static readonly Setting MaxFrequency = new("max-freq", SettingKind.Count, SettingGroup.Analysis,
        "Only frequencies with |u|, |v| <= K (default: the whole grid).")
    {
        Example = "8",
        Minimum = 0,
        Identity = Setting.RecordedParameter("max-freq"),
    };

    /// <summary>--metric.</summary>
    public static readonly Setting Metric = new("metric", SettingKind.Choice, SettingGroup.Analysis, "error (default) or accuracy.")
    {
        Choices = new[] { "error", "accuracy" },
        Default = "error",
        Example = "accuracy",
    };

    /// <summary>--no-clip: recorded as the run's clip, like a filter run's --clip.</summary>
    public static readonly Setting NoClip = new("no-clip", SettingKind.Flag, SettingGroup.Analysis,
        "Do not clamp perturbed images to [0,1] (clamping is the default, as in the reference implementations).")
    {
        Example = "true",
        Identity = RunSettings.Clip.Identity,
    };

    /// <inheritdoc/>
    public override string Name => "heatmap";

    /// <inheritdoc/>
    public override string FormatTag => FormatTags.Heatmap;

    /// <inheritdoc/>
    public override IReadOnlyList<Setting> Settings => OwnSettings;

    // After the settings: static fields are initialised in order.
    static readonly Setting[] OwnSettings = { Epsilon, MaxFrequency, Metric, NoClip };

    /// <inheritdoc/>
    public override IReadOnlyList<string> Extensions => HeatmapFiles.Extensions;

    /// <inheritdoc/>
    public override string Product => "the heat map";

    /// <summary>What a heat map records of its own settings (<see cref="RunMetadata.Parameters"/>): ε and the grid limit used.</summary>
    public static IReadOnlyDictionary<string, string> Recorded(double epsilon, int maxFrequency) => new Dictionary<string, string>
    {
        [Epsilon.Name] = epsilon.ToString("R", CultureInfo.InvariantCulture),
        [MaxFrequency.Name] = maxFrequency.ToString(CultureInfo.InvariantCulture),
    };

    /// <inheritdoc/>
    public override HeatmapRequest? Plan(GivenSettings given, RunRequest? evaluation, List<string> problems)
    {
        int before = problems.Count;
        double? epsilon = given.PositiveNumber(Epsilon, problems);
        int? limit = given.Has(MaxFrequency) ? given.CountOrDefault(MaxFrequency, problems) : null;
        if (problems.Count > before || evaluation is null) return null;
        return new HeatmapRequest(evaluation, epsilon ?? HeatmapRequest.DefaultEpsilon(evaluation.Preprocess.InputSize), limit, !given.Flag(NoClip));
    }

    /// <inheritdoc/>
    public override HeatmapResult Run(HeatmapRequest request, IProgress<SweepProgress>? progress, Action<string>? notice, HeatmapResult? resumeFrom,
        Action<Func<HeatmapResult>>? snapshot, CancellationToken cancellation) => HeatmapRunner.Run(request, progress, notice, resumeFrom, snapshot, cancellation);

    /// <inheritdoc/>
    public override RunRequest EvaluationOf(HeatmapRequest request) => request.Evaluation;

    /// <summary>The metric the pictures and the CSV show.</summary>
    public static HeatmapMetric MetricOf(GivenSettings given) => given.TextOrDefault(Metric) == "accuracy" ? HeatmapMetric.Accuracy : HeatmapMetric.Error;

    /// <inheritdoc/>
    public override void Write(HeatmapResult result, GivenSettings given, string path) => HeatmapFiles.Write(result, MetricOf(given), path);

    /// <inheritdoc/>
    public override HeatmapResult Read(string path) => HeatmapFiles.Read(path);

    /// <inheritdoc/>
    public override RunMetadata Metadata(HeatmapResult result) => result.Metadata;

    /// <summary>Error counts, images and clean errors add, so the merged map equals an unsharded run's.</summary>
    protected override HeatmapResult Combine(IReadOnlyList<HeatmapResult> shards, RunMetadata merged)
    {
        HeatmapResult first = shards[0];
        var errors = new long[first.Size, first.Size];
        for (int i = 0; i < first.Size; i++)
        {
            for (int j = 0; j < first.Size; j++) errors[i, j] = first.Errors[i, j] < 0 ? -1 : shards.Sum(s => s.Errors[i, j]);
        }
        return new HeatmapResult(first.Size, first.MaxFrequency, errors, shards.Sum(s => s.Evaluated), shards.Sum(s => s.CleanErrors),
            merged, shards.Sum(s => s.Seconds), first.Bases) { Epsilon = first.Epsilon };
    }

    /// <inheritdoc/>
    protected override string Merged(HeatmapResult merged, int shards, string outPath) =>
        $"merged {shards} heat-map shards ({merged.Evaluated} images) into {outPath}";
}
