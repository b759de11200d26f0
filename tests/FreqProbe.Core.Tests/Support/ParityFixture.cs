using System.Text.Json;

namespace FreqProbe.Core.Tests.Support;

/// <summary>A PyTorch parity fixture written by scripts/make_fixtures.py.</summary>
public sealed class ParityFixture
{
    public required string Model { get; init; }
    public required int NumClasses { get; init; }
    public required float[] Mean { get; init; }
    public required float[] Std { get; init; }
    public required float[] Images { get; init; }
    public required long[] ImageShape { get; init; }
    public required IReadOnlyList<ParityCase> Cases { get; init; }

    public static ParityFixture Load(string name)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(SharedData.Fixture(name)));
        JsonElement root = doc.RootElement;
        JsonElement images = root.GetProperty("images");
        var shape = new List<long>();
        for (JsonElement e = images; e.ValueKind == JsonValueKind.Array; e = e[0]) shape.Add(e.GetArrayLength());
        return new ParityFixture
        {
            Model = root.GetProperty("model").GetString()!,
            NumClasses = root.GetProperty("num_classes").GetInt32(),
            Mean = Flatten(root.GetProperty("mean")),
            Std = Flatten(root.GetProperty("std")),
            Images = Flatten(images),
            ImageShape = shape.ToArray(),
            Cases = root.GetProperty("cases").EnumerateArray().Select(c => new ParityCase(
                c.GetProperty("filter").GetString()!,
                c.GetProperty("radius").ValueKind == JsonValueKind.Null ? null : c.GetProperty("radius").GetDouble(),
                Flatten(c.GetProperty("logits")),
                c.GetProperty("pred").EnumerateArray().Select(p => p.GetInt32()).ToArray(),
                Flatten(c.GetProperty("prob")))).ToArray(),
        };
    }

    public static float[] Flatten(JsonElement element)
    {
        var values = new List<float>();
        void Walk(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement child in e.EnumerateArray()) Walk(child);
            }
            else
            {
                values.Add(e.GetSingle());
            }
        }
        Walk(element);
        return values.ToArray();
    }
}

public sealed record ParityCase(string Filter, double? Radius, float[] Logits, int[] Predictions, float[] Probabilities);
