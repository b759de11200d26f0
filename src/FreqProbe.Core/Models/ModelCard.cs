using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using FreqProbe.Core.IO;

namespace FreqProbe.Core.Models;

/// <summary>
/// What a weights file is: written beside it as <c>NAME.card.json</c> (by <c>freqprobe train</c>, or by
/// scripts/export_model.py for a TorchScript archive). Evaluation commands read it to pick up the
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
    public string Format { get; init; } = CurrentFormat;
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

    /// <summary>The format tag this version writes and reads.</summary>
    public const string CurrentFormat = FormatTags.ModelCard;

    /// <summary>
    /// Reads a card from JSON; <paramref name="origin"/> names it in errors, which say in words which field holds what
    /// and what was expected (never a .NET type name).
    /// </summary>
    public static ModelCard Parse(string json, string origin)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) as JsonObject
                ?? throw new InputException($"{origin}: a model card is a JSON object ({{\"name\": ..., \"input_size\": ...}}); this file holds something else.");
        }
        catch (JsonException e)
        {
            throw new InputException($"{origin}: not valid JSON ({Where(e)}): {FirstSentence(e.Message)}", e);
        }
        if ((root["format"] as JsonValue)?.GetValueKind() is { } kind && (kind != JsonValueKind.String || (string?)root["format"] != CurrentFormat))
        {
            throw new InputException($"{origin}: format is {root["format"]!.ToJsonString()}; expected \"{CurrentFormat}\" (or no format field).");
        }
        if (root["name"] is not JsonValue name || name.GetValueKind() != JsonValueKind.String || string.IsNullOrWhiteSpace((string?)name))
        {
            string stem = Path.GetFileName(origin).Replace(".card.json", "", StringComparison.Ordinal);
            throw new InputException($"{origin}: {(root["name"] is null ? "the card has no name" : $"name is {root["name"]!.ToJsonString()}")}; " +
                $"expected the model's name as a string (usually its weights file's stem, e.g. \"name\": \"{stem}\"), as freqprobe train and scripts/export_model.py write it.");
        }
        try
        {
            return root.Deserialize<ModelCard>(Options) ?? throw new InputException($"{origin}: empty model card.");
        }
        catch (JsonException e)
        {
            string field = e.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..].Split('[', '.')[0] : "";
            string value = root[field]?.ToJsonString() ?? "null";
            if (value.Length > 80) value = value[..77] + "...";
            throw new InputException($"{origin}: {(field.Length > 0 ? $"{field} is {value}" : "a field")}; expected {Expected(field, e)}.", e);
        }
    }

    // What a field holds, in words, from its property's type.
    static string Expected(string field, JsonException e)
    {
        if (field is "mean" or "std") return "three numbers (r, g, b) or \"none\"";
        Type? type = typeof(ModelCard).GetProperties().FirstOrDefault(p => Options.PropertyNamingPolicy!.ConvertName(p.Name) == field)?.PropertyType;
        type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(int)) return $"a whole number (up to {int.MaxValue:N0})";
        if (type == typeof(ulong)) return "a whole number of 0 or more";
        if (type == typeof(double)) return "a number";
        if (type == typeof(string)) return "a string";
        if (type == typeof(DateTimeOffset)) return "a date and time as a string, e.g. \"2026-12-05T10:00:00Z\"";
        if (type == typeof(IReadOnlyList<string>)) return "a list of strings";
        if (type == typeof(IReadOnlyDictionary<string, string>)) return "an object of strings";
        return FirstSentence(e.Message);
    }

    static string Where(JsonException e) => e.LineNumber is { } line
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"line {line + 1}, byte {e.BytePositionInLine + 1}")
        : "position unknown";

    static string FirstSentence(string message)
    {
        foreach (string tail in new[] { " Path: ", " LineNumber: " })
        {
            int cut = message.IndexOf(tail, StringComparison.Ordinal);
            if (cut >= 0) message = message[..cut];
        }
        return message.TrimEnd('.', ' ');
    }

    /// <summary>The card beside <paramref name="weightsPath"/>, or null when there is none.</summary>
    public static ModelCard? TryLoadFor(string weightsPath)
    {
        string path = PathFor(weightsPath);
        return File.Exists(path) ? Parse(File.ReadAllText(path), path) : null;
    }
}
