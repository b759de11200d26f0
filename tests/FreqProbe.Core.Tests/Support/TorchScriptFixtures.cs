using System.Text.Json;

namespace FreqProbe.Core.Tests.Support;

/// <summary>
/// The TorchScript archives and expectations written by scripts/make_torchscript_fixtures.py with Debian's PyTorch
/// 1.13: tiny ViT, ConvNeXt and MobileNetV3 networks, traced and scripted, each with its card.
/// </summary>
public static class TorchScriptFixtures
{
    static readonly Lazy<JsonDocument> Document = new(() => JsonDocument.Parse(File.ReadAllText(SharedData.Fixture("torchscript/expected.json"))));

    /// <summary>The archives' stems, e.g. tiny-vit-traced.</summary>
    public static IReadOnlyList<string> Models { get; } = new[]
    {
        "tiny-vit-traced", "tiny-vit-scripted", "tiny-convnext-traced", "tiny-convnext-scripted", "tiny-convnext-selfnorm",
        "tiny-mobilenetv3-traced", "tiny-mobilenetv3-scripted",
    };

    /// <summary>The whole expectations file.</summary>
    public static JsonElement Root => Document.Value.RootElement;

    /// <summary>The archive of <paramref name="model"/>.</summary>
    public static string Archive(string model) => SharedData.Fixture($"torchscript/{model}.pt");

    /// <summary>
    /// Asserts that <paramref name="logits"/> are PyTorch's for <paramref name="model"/> on <see cref="FixedInput"/>
    /// within <paramref name="tolerance"/> of the largest |logit| (at least 1). The traced bottleneck network
    /// (scripts/make_execution_fixtures.py) keeps its expectations in a file of its own.
    /// </summary>
    public static void AssertLogits(string model, TorchSharp.torch.Tensor logits, double tolerance)
    {
        JsonElement source = model == "tiny-bottleneck-traced"
            ? JsonDocument.Parse(File.ReadAllText(SharedData.Fixture("torchscript/tiny-bottleneck-traced.expected.json"))).RootElement
            : Expected(model);
        float[] expected = ParityFixture.Flatten(source.GetProperty("logits"));
        float[] actual = logits.contiguous().data<float>().ToArray();
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(1, expected.Max(Math.Abs));
        double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= tolerance * scale, $"{model}: max |logit - PyTorch| = {worst:g3}, tolerance {tolerance * scale:g3}");
    }

    /// <summary>The expectations of <paramref name="model"/>.</summary>
    public static JsonElement Expected(string model) => Root.GetProperty("models").GetProperty(model);

    /// <summary>The fixed input x[i] = frac(0.618034 i), computed in float64 then rounded to float32, [4, 3, 32, 32] flattened.</summary>
    public static float[] FixedInput()
    {
        var x = new float[4 * 3 * 32 * 32];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(i * 0.618034 % 1.0);
        return x;
    }

    /// <summary>A copy of <paramref name="model"/>'s archive in <paramref name="folder"/> as NAME.pt, with <paramref name="card"/> beside it unless null.</summary>
    public static string CopyTo(string folder, string model, string name, string? card)
    {
        string path = Path.Combine(folder, name + ".pt");
        File.Copy(Archive(model), path);
        if (card is not null) File.WriteAllText(Path.Combine(folder, name + ".card.json"), card);
        return path;
    }
}
