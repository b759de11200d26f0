using System.Text.Json;
using System.Text.Json.Serialization;

namespace FreqProbe.Core.Models;

/// <summary>
/// What a trained weights file is: written beside it as <c>NAME.card.json</c>. Evaluation commands read it to pick
/// up the architecture, class count and normalisation without extra flags.
/// </summary>
public sealed record ModelCard
{
    static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Format tag.</summary>
    public string Format { get; init; } = "freqprobe-model-card/1";
    /// <summary>Run name (the file stem).</summary>
    public required string Name { get; init; }
    /// <summary>Registry model name.</summary>
    public required string Model { get; init; }
    /// <summary>Model outputs.</summary>
    public required int NumClasses { get; init; }
    /// <summary>Model-input side in pixels.</summary>
    public required int InputSize { get; init; }
    /// <summary>Shorter-side resize before the centre crop, or null for none.</summary>
    public int? ResizeShorter { get; init; }
    /// <summary>Normalisation mean.</summary>
    public required IReadOnlyList<float> Mean { get; init; }
    /// <summary>Normalisation std.</summary>
    public required IReadOnlyList<float> Std { get; init; }
    /// <summary>Class names by label.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }
    /// <summary>Training dataset name.</summary>
    public string? Dataset { get; init; }
    /// <summary>Training data location.</summary>
    public string? DataPath { get; init; }
    /// <summary>SHA-256 over the training set's labels and a fixed sample of its pixels.</summary>
    public string? DataFingerprint { get; init; }
    /// <summary>Training images per epoch.</summary>
    public int? TrainImages { get; init; }
    /// <summary>Test images evaluated.</summary>
    public int? TestImages { get; init; }
    /// <summary>Epochs trained.</summary>
    public int? Epochs { get; init; }
    /// <summary>Training variant (none, gaussian:σ, fgsm:ε, pgd:ε,steps).</summary>
    public string? Augment { get; init; }
    /// <summary>Optimiser and schedule, in words.</summary>
    public string? Recipe { get; init; }
    /// <summary>Seed.</summary>
    public ulong? Seed { get; init; }
    /// <summary>CPU threads used.</summary>
    public int? Threads { get; init; }
    /// <summary>Device used.</summary>
    public string? Device { get; init; }
    /// <summary>Machine description.</summary>
    public string? Machine { get; init; }
    /// <summary>Training time in seconds (all sessions).</summary>
    public double? TrainingSeconds { get; init; }
    /// <summary>Final clean top-1 on the test split.</summary>
    public double? FinalTestAccuracy { get; init; }
    /// <summary>Weights file name.</summary>
    public string? WeightsFile { get; init; }
    /// <summary>SHA-256 of the weights file.</summary>
    public string? WeightsSha256 { get; init; }
    /// <summary>The command that trained it.</summary>
    public string? Command { get; init; }
    /// <summary>Software versions.</summary>
    public IReadOnlyDictionary<string, string>? Versions { get; init; }
    /// <summary>When it was written, UTC.</summary>
    public DateTimeOffset? CreatedUtc { get; init; }

    /// <summary>The card path for a weights file: <c>dir/stem.card.json</c>.</summary>
    public static string PathFor(string weightsPath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(weightsPath))!, Path.GetFileNameWithoutExtension(weightsPath) + ".card.json");

    /// <summary>Serialises the card.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Options);

    /// <summary>Reads a card from JSON; <paramref name="origin"/> names it in errors.</summary>
    public static ModelCard Parse(string json, string origin)
    {
        try
        {
            return JsonSerializer.Deserialize<ModelCard>(json, Options) ?? throw new InputException($"{origin}: empty model card.");
        }
        catch (JsonException e)
        {
            throw new InputException($"{origin}: not a FreqProbe model card: {e.Message}", e);
        }
    }

    /// <summary>The card beside <paramref name="weightsPath"/>, or null when there is none.</summary>
    public static ModelCard? TryLoadFor(string weightsPath)
    {
        string path = PathFor(weightsPath);
        return File.Exists(path) ? Parse(File.ReadAllText(path), path) : null;
    }
}
