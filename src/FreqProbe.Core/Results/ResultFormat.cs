using System.Text.Json;

namespace FreqProbe.Core.Results;

/// <summary>The "format" tag of FreqProbe's JSON documents (freqprobe-results/1, heat maps, interactions), which tells the readers apart.</summary>
public static class ResultFormat
{
    /// <summary>The format tag of the JSON document at <paramref name="path"/>; null when it has none or cannot be read (its own reader then says why).</summary>
    public static string? Of(string path)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("format", out JsonElement format) &&
                format.ValueKind == JsonValueKind.String ? format.GetString() : null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
