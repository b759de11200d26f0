using System.Text.Json;
using System.Text.Json.Serialization;

namespace FreqProbe.Core.Models;

/// <summary>
/// What a weights file is: written beside it as <c>NAME.card.json</c> (by <c>freqprobe train</c>, or by
/// scripts/export_torchscript.py for a TorchScript archive). Evaluation commands read it to pick up the
/// architecture and the data config (input size, resize or crop_pct, interpolation, mean/std or "none", class count
/// and label space) without extra flags; every field can be overridden on the command line.
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
    /// <summary>Registry model name (torchscript for a TorchScript archive); null leaves it to --model.</summary>
    public string? Model { get; init; }
    /// <summary>Model outputs.</summary>
    public int? NumClasses { get; init; }
    /// <summary>Model-input side in pixels.</summary>
    public int? InputSize { get; init; }
    /// <summary>Shorter-side resize before the centre crop, or null for none (or for <see cref="CropPct"/>).</summary>
    public int? ResizeShorter { get; init; }
    /// <summary>timm's crop_pct: the shorter side is resized to ⌊input_size / crop_pct⌋ before the centre crop.</summary>
    public double? CropPct { get; init; }
    /// <summary>Resize interpolation: bilinear (default) or bicubic.</summary>
    public string? Interpolation { get; init; }
    /// <summary>Normalisation mean; empty ("none" in JSON) when the model normalises inside its forward pass.</summary>
    [JsonConverter(typeof(ChannelStatsJsonConverter))]
    public IReadOnlyList<float>? Mean { get; init; }
    /// <summary>Normalisation std; empty ("none" in JSON) when the model normalises inside its forward pass.</summary>
    [JsonConverter(typeof(ChannelStatsJsonConverter))]
    public IReadOnlyList<float>? Std { get; init; }
    /// <summary>What the outputs mean: imagenet, cifar10, or a class-list file (relative to the card), one folder name per line.</summary>
    public string? LabelSpace { get; init; }
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
    /// <summary>How the training labels were used: null when as given; for a random-label run, the seeded permutation.</summary>
    public string? Labels { get; init; }
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
    /// <summary>How a TorchScript archive was exported (method, source, check), as the export script wrote it.</summary>
    public JsonElement? Export { get; init; }
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
