using System.Globalization;
using FreqProbe.Core.Analyses;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.IO;
using FreqProbe.Core.Planning;

namespace FreqProbe.Core.Interactions;

/// <summary>Multi-order interactions (Deng et al. 2022) as an analysis: its settings, its request and its shard merge.</summary>
public sealed class InteractionAnalysis : Analysis<InteractionRequest, InteractionResult>
{
    /// <summary>The one instance.</summary>
    public static InteractionAnalysis Instance { get; } = new();

    InteractionAnalysis()
    {
    }

    /// <summary>--players.</summary>
    public static readonly Setting Players = new("players", SettingKind.Choice, SettingGroup.Analysis,
        "patches: a G x G grid of image patches, absent = 0 after normalisation (the dataset mean), pairs of neighbours within " +
        "Chebyshev distance 2 (the paper's setting). bands: B annuli of the centred spectrum, of equal width in radius from DC to the corner, " +
        "absent = coefficients zeroed before the inverse DFT (FreqProbe's ideal band-pass filter with the union of the present bands), any pair.")
    {
        Choices = PlayerSpec.Kinds,
        Default = PlayerSpec.Kinds[0],
        Example = "bands",
        Identity = Setting.RecordedParameter("players"),
    };

    /// <summary>--grid.</summary>
    public static readonly Setting Grid = new("grid", SettingKind.Count, SettingGroup.Analysis, "Patches per side for --players patches (the paper used 16).")
    {
        Default = "8",
        Example = "4",
        Identity = Setting.RecordedParameter("grid"),
    };

    /// <summary>--band-count.</summary>
    public static readonly Setting BandCount = new("band-count", SettingKind.Count, SettingGroup.Analysis, "Annular bands for --players bands.")
    {
        Default = "16",
        Example = "8",
        Identity = Setting.RecordedParameter("band-count"),
    };

    /// <summary>--images: recorded as the images selected of those scanned, which every shard reads alike.</summary>
    public static readonly Setting Images = new("images", SettingKind.Count, SettingGroup.Analysis,
        "Explain the first N correctly classified images (within --limit, in dataset order).")
    {
        Default = "50",
        Example = "5",
        Identity = Setting.RecordedParameter("images"),
    };

    /// <summary>--pairs.</summary>
    public static readonly Setting Pairs = new("pairs", SettingKind.Count, SettingGroup.Analysis,
        "Pairs (i, j) per image, drawn without replacement (all of them when there are fewer).")
    {
        Default = "50",
        Example = "10",
        Identity = Setting.RecordedParameter("pairs"),
    };

    /// <summary>--contexts.</summary>
    public static readonly Setting Contexts = new("contexts", SettingKind.Count, SettingGroup.Analysis,
        "Contexts S per pair and order, drawn uniformly; an order with at most this many possible contexts uses each once (exact).")
    {
        Default = "32",
        Example = "8",
        Identity = Setting.RecordedParameter("contexts"),
    };

    /// <summary>--value.</summary>
    public static readonly Setting Value = new("value", SettingKind.Choice, SettingGroup.Analysis,
        "v(S) on the masked image: logodds (default) = z_y - logsumexp_{c!=y} z_c, logit = z_y, logp = log softmax_y.")
    {
        Choices = InteractionValues.Names,
        Default = "logodds",
        Example = "logit",
        Identity = Setting.RecordedParameter("value"),
    };

    /// <summary>--orders: recorded as the orders m they give.</summary>
    public static readonly Setting Orders = new("orders", SettingKind.Text, SettingGroup.Analysis,
        "Order ratios rho, comma-separated; the orders are m = int((n-2)*rho), each once.")
    {
        Default = string.Join(",", InteractionOrders.DefaultRatios.Select(r => r.ToString(CultureInfo.InvariantCulture))),
        Example = "0,0.5,1",
        Identity = Setting.RecordedParameter("orders"),
    };

    /// <inheritdoc/>
    public override string Name => "interactions";

    /// <inheritdoc/>
    public override string FormatTag => FormatTags.Interactions;

    /// <inheritdoc/>
    public override IReadOnlyList<Setting> Settings => OwnSettings;

    // After the settings: static fields are initialised in order.
    static readonly Setting[] OwnSettings = { Players, Grid, BandCount, Images, Pairs, Contexts, Value, Orders };

    /// <inheritdoc/>
    public override IReadOnlyList<string> Extensions => InteractionFiles.Extensions;

    /// <inheritdoc/>
    public override string Product => "the interaction estimate";

    /// <summary>What an interaction run records of its own settings (<see cref="RunMetadata.Parameters"/>).</summary>
    public static IReadOnlyDictionary<string, string> Recorded(PlayerSpec players, InteractionSampling sampling, InteractionValue value, IReadOnlyList<int> orders,
        int selected, int scanned) => new Dictionary<string, string>
    {
        [Players.Name] = players.Kind,
        [Grid.Name] = players.Grid.ToString(CultureInfo.InvariantCulture),
        [BandCount.Name] = players.Bands.ToString(CultureInfo.InvariantCulture),
        [Images.Name] = string.Create(CultureInfo.InvariantCulture, $"{selected} selected of {scanned}"),
        [Pairs.Name] = sampling.Pairs.ToString(CultureInfo.InvariantCulture),
        [Contexts.Name] = sampling.Contexts.ToString(CultureInfo.InvariantCulture),
        [Value.Name] = InteractionValues.Name(value),
        [Orders.Name] = "m = " + string.Join(",", orders),
    };

    /// <summary>The players, with an option the chosen kind does not use refused (it would be recorded and ignored).</summary>
    public static PlayerSpec PlayersOf(GivenSettings given, List<string> problems)
    {
        string kind = given.TextOrDefault(Players);
        int grid = given.CountOrDefault(Grid, problems), bands = given.CountOrDefault(BandCount, problems);
        if (kind == "bands" && given.Has(Grid))
        {
            problems.Add($"--grid: {grid} sets patches, but --players is bands; expected --band-count for bands, or --players patches.");
        }
        if (kind == "patches" && given.Has(BandCount))
        {
            problems.Add($"--band-count: {bands} sets bands, but --players is patches; expected --grid for patches, or --players bands.");
        }
        return new PlayerSpec(kind, grid, bands);
    }

    /// <inheritdoc/>
    public override InteractionRequest? Plan(GivenSettings given, RunRequest? evaluation, List<string> problems)
    {
        int before = problems.Count;
        int images = given.CountOrDefault(Images, problems), pairs = given.CountOrDefault(Pairs, problems), contexts = given.CountOrDefault(Contexts, problems);
        PlayerSpec spec = PlayersOf(given, problems);
        IReadOnlyList<double>? ratios = InputProblems.Collect<IReadOnlyList<double>?>(problems, () => InteractionOrders.ParseRatios(given.TextOrDefault(Orders)), null);
        if (evaluation is null) return null;
        PlayerSet? set = InputProblems.Collect<PlayerSet?>(problems, () => spec.Build(evaluation.Preprocess.InputSize), null);
        if (problems.Count > before || set is null || ratios is null) return null;
        // The cost is planned before any work: what cannot finish or fit is refused with its numbers.
        var sampling = new InteractionSampling(pairs, contexts, ratios, evaluation.Seed);
        problems.AddRange(InteractionRequest.Cost(set, InteractionOrders.For(set.Count, ratios), sampling, images, evaluation.Preprocess.InputSize).Problems);
        if (problems.Count > before) return null;
        return new InteractionRequest(evaluation, spec, images, sampling, InteractionValues.Parse(given.TextOrDefault(Value)));
    }

    /// <inheritdoc/>
    public override InteractionResult Run(InteractionRequest request, IProgress<SweepProgress>? progress, Action<string>? notice, InteractionResult? resumeFrom,
        Action<Func<InteractionResult>>? snapshot, CancellationToken cancellation) => InteractionRunner.Run(request, progress, notice, resumeFrom, snapshot, cancellation);

    /// <inheritdoc/>
    public override RunRequest EvaluationOf(InteractionRequest request) => request.Evaluation;

    /// <inheritdoc/>
    public override void Write(InteractionResult result, GivenSettings given, string path) => InteractionFiles.Write(result, path);

    /// <inheritdoc/>
    public override InteractionResult Read(string path) => InteractionFiles.Read(path);

    /// <inheritdoc/>
    public override RunMetadata Metadata(InteractionResult result) => result.Metadata;

    /// <summary>
    /// The shards' images, which are disjoint, are put back in dataset order, so the merged per-order figures are those
    /// of the unsharded run to the last digit.
    /// </summary>
    protected override InteractionResult Combine(IReadOnlyList<InteractionResult> shards, RunMetadata merged)
    {
        var images = shards.SelectMany(s => s.Images).OrderBy(i => i.Index).ToArray();
        int repeated = images.Zip(images.Skip(1)).Count(p => p.First.Index == p.Second.Index);
        if (repeated > 0) throw new InputException($"merge refused: {repeated} image(s) appear in more than one shard; expected disjoint shards of one run.");
        return shards[0] with
        {
            Images = images,
            Metadata = merged,
            Seconds = shards.Sum(s => s.Seconds),
            Forwards = shards.Sum(s => s.Forwards),
            ForwardSeconds = shards.Sum(s => s.ForwardSeconds),
        };
    }

    /// <inheritdoc/>
    protected override string Merged(InteractionResult merged, int shards, string outPath) =>
        $"merged {shards} interaction shards ({merged.Images.Count} images) into {outPath}";

    /// <inheritdoc/>
    protected override string? MergedTable(InteractionResult merged) => InteractionFiles.Csv(merged);
}
