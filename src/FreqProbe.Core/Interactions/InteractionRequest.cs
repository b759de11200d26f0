using FreqProbe.Core.Evaluation;

namespace FreqProbe.Core.Interactions;

/// <summary>Which players a game uses.</summary>
/// <param name="Kind">"patches" or "bands".</param>
/// <param name="Grid">Patches per side.</param>
/// <param name="Bands">Annular bands.</param>
public sealed record PlayerSpec(string Kind, int Grid = 8, int Bands = 16)
{
    /// <summary>The player kinds.</summary>
    public static IReadOnlyList<string> Kinds { get; } = new[] { "patches", "bands" };

    /// <summary>Builds the players for a <paramref name="size"/>-pixel input.</summary>
    public PlayerSet Build(int size) => Kind switch
    {
        "patches" => PlayerSet.Patches(Grid, size),
        "bands" => PlayerSet.Bands(Bands, size),
        _ => throw new InputException("players", $"'{Kind}' is not a player kind; expected one of {string.Join(", ", Kinds)}."),
    };
}

/// <summary>A multi-order interaction run: the evaluation settings (filters ignored), the players, the images and the sampling.</summary>
/// <param name="Evaluation">Model, weights, data, limit, shard, batch size (rows per forward pass), threads, device, precision and seed.</param>
/// <param name="Players">Patches or bands.</param>
/// <param name="Images">The first this many correctly classified images (after --limit) are explained; a shard takes every N-th of them.</param>
/// <param name="Sampling">Pairs, contexts, orders; its seed is the evaluation's.</param>
/// <param name="Value">What v(S) is.</param>
public sealed record InteractionRequest(RunRequest Evaluation, PlayerSpec Players, int Images, InteractionSampling Sampling, InteractionValue Value = InteractionValue.LogOdds)
{
    /// <summary>The most masked inputs one run may plan: at 10,000 a second (a fast GPU on a CIFAR model) that is 2.5 days.</summary>
    public const long MaxForwards = int.MaxValue;

    /// <summary>Memory for the selected images, which a run keeps in [0,1] float32 until it has explained them.</summary>
    public const long SelectedImagesBudgetBytes = 4L << 30;

    /// <summary>
    /// The run's cost before any work: masked inputs (forwards) and the memory of the selected images. Problems name
    /// the numbers and the limit; <paramref name="available"/> caps the images at what the data holds.
    /// </summary>
    public static (long Forwards, long SelectedBytes, IReadOnlyList<string> Problems) Cost(PlayerSet players, IReadOnlyList<int> orders,
        InteractionSampling sampling, int images, int inputSize, int? available = null)
    {
        long rows = InteractionEstimator.RowsPerImage(players.Count, players.CandidatePairs.Count, orders, sampling);
        long explained = Math.Min(images, available ?? images);
        long forwards = rows > MaxForwards / Math.Max(1, explained) ? long.MaxValue : rows * explained;
        long bytes = explained * 3L * inputSize * inputSize * sizeof(float);
        var problems = new List<string>();
        var c = System.Globalization.CultureInfo.InvariantCulture;
        if (forwards > MaxForwards)
        {
            string total = forwards == long.MaxValue ? $"more than {MaxForwards.ToString("N0", c)}" : forwards.ToString("N0", c);
            problems.Add($"--images, --pairs, --contexts: {explained.ToString("N0", c)} images x {rows.ToString("N0", c)} masked inputs each " +
                $"({Math.Min(players.CandidatePairs.Count, sampling.Pairs)} pairs x {InteractionEstimator.ContextsPerPair(players.Count, orders, sampling.Contexts).ToString("N0", c)} contexts over {orders.Count} orders x 4, plus 2) " +
                $"is {total} forwards; expected at most {MaxForwards.ToString("N0", c)} per run: lower --contexts, --pairs or --images, or split the run with --shard.");
        }
        if (bytes > SelectedImagesBudgetBytes)
        {
            problems.Add($"--images: {explained.ToString("N0", c)} images at {inputSize}x{inputSize} take {bytes / (double)(1L << 30):0.#} GiB while they are explained; " +
                $"expected at most {SelectedImagesBudgetBytes >> 30} GiB ({SelectedImagesBudgetBytes / (3L * inputSize * inputSize * sizeof(float))} images at this size).");
        }
        return (forwards, bytes, problems);
    }

    /// <summary>What is wrong with these counts, one line per count, named by its option; empty when all are 1 or more.</summary>
    public static IReadOnlyList<string> CountProblems(int images, int pairs, int contexts) =>
        new[] { ("images", images), ("pairs", pairs), ("contexts", contexts) }
            .Where(c => c.Item2 < 1).Select(c => $"--{c.Item1}: {c.Item2} must be 1 or more.").ToArray();
}
