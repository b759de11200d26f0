using System.Text.Json;
using System.Text.Json.Serialization;

namespace FreqProbe.Core.Models;

/// <summary>
/// A card's mean or std: three numbers, or the string "none" (read as an empty list) for a model that normalises
/// inside its forward pass, as RobustBench's models do.
/// </summary>
public sealed class ChannelStatsJsonConverter : JsonConverter<IReadOnlyList<float>?>
{
    /// <summary>The spelling of "no normalisation outside the model".</summary>
    public const string None = "none";

    /// <inheritdoc />
    public override IReadOnlyList<float>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String when reader.GetString() == None:
                return Array.Empty<float>();
            case JsonTokenType.StartArray:
                var values = new List<float>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.Number) throw new JsonException("expected three numbers or \"none\"");
                    values.Add(reader.GetSingle());
                }
                if (values.Count != 3) throw new JsonException($"expected three numbers (r, g, b) or \"none\", got {values.Count}");
                return values;
            default:
                throw new JsonException("expected three numbers (r, g, b) or \"none\"");
        }
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, IReadOnlyList<float>? value, JsonSerializerOptions options)
    {
        if (value is null) writer.WriteNullValue();
        else if (value.Count == 0) writer.WriteStringValue(None);
        else
        {
            writer.WriteStartArray();
            foreach (float v in value) writer.WriteNumberValue(v);
            writer.WriteEndArray();
        }
    }
}
