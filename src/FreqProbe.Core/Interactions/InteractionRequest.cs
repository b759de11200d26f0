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
public sealed record InteractionRequest(SweepRequest Evaluation, PlayerSpec Players, int Images, InteractionSampling Sampling, InteractionValue Value = InteractionValue.LogOdds)
{
    /// <summary>What is wrong with these counts, one line per count, named by its option; empty when all are 1 or more.</summary>
    public static IReadOnlyList<string> CountProblems(int images, int pairs, int contexts) =>
        new[] { ("images", images), ("pairs", pairs), ("contexts", contexts) }
            .Where(c => c.Item2 < 1).Select(c => $"--{c.Item1}: {c.Item2} must be 1 or more.").ToArray();
}
