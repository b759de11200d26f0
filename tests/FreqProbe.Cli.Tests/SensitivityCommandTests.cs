using System.Text.Json;
using System.Text.Json.Nodes;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Cli.Tests;

public sealed class SensitivityCommandTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    static string[] Common => new[] { "sensitivity", "--limit", "9", "--threads", "1" };

    [Fact]
    [Trait("Speed", "slow")]
    public void Shards_merge_into_exactly_the_unsharded_map_and_every_output_is_written()
    {
        string whole = dir.File("whole.json");
        CliRun run = CliRun.Invoke(Common.Concat(new[] { "--out", whole, "--out", dir.File("whole.csv"), "--out", dir.File("whole.png"), "--batch-size", "4" }).ToArray());
        Assert.True(run.ExitCode == 0, run.Error);
        // The report: the three bands with intervals, the profile and the per-class table of the ten synthetic classes.
        foreach (string expected in new[] { "low     d < 5.33", "middle  5.33 <= d < 10.67", "high    d >= 10.67", "radial profile", "images/s" })
        {
            Assert.Contains(expected, run.Out + run.Error, StringComparison.Ordinal);
        }
        for (int k = 0; k < 3; k++)
        {
            run = CliRun.Invoke(Common.Concat(new[] { "--shard", $"{k}/3", "--batch-size", "4", "--quiet", "--out", dir.File($"s{k}.json") }).ToArray());
            Assert.True(run.ExitCode == 0, run.Error);
        }
        run = CliRun.Invoke("merge", dir.File("s2.json"), dir.File("s0.json"), dir.File("s1.json"), "--out", dir.File("merged.json"));
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal(Numbers(whole), Numbers(dir.File("merged.json")));

        string[] lines = File.ReadAllLines(dir.File("whole.csv"));
        Assert.Equal(33, lines.Length);
        Assert.Equal("v\\u,-16", lines[0][..7]);
        Assert.All(lines.Skip(1), l => Assert.Equal(33, l.Split(',').Length));
        Assert.Equal((720, 620), TestImages.Size(dir.File("whole.png")));
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(whole));
        JsonElement root = doc.RootElement;
        Assert.Equal("freqprobe-sensitivity/1", root.GetProperty("format").GetString());
        Assert.Equal(9, root.GetProperty("per_image").GetArrayLength());
        double shares = root.GetProperty("bands").EnumerateArray().Sum(b => b.GetProperty("share").GetDouble());
        Assert.Equal(1.0, shares, 12);
        Assert.Equal(1.0, root.GetProperty("profile").EnumerateArray().Sum(b => b.GetProperty("share").GetDouble()), 12);
        Assert.Contains("input gradients", root.GetProperty("run").GetProperty("execution_path").GetString(), StringComparison.Ordinal);

        // Several results chart as radial profiles, one line each.
        run = CliRun.Invoke("plot", whole, dir.File("s0.json"), "--out", dir.File("profiles.svg"));
        Assert.True(run.ExitCode == 0, run.Error);
        SvgContent chart = SvgContent.Read(dir.File("profiles.svg"));
        Assert.Contains("loss, 9 images", chart.Text, StringComparison.Ordinal);
        Assert.Contains("loss, 3 images", chart.Text, StringComparison.Ordinal);
        Assert.Equal(2, chart.DataMarkers.Select(m => m.Fill).Distinct().Count());
    }

    // The numbers of a result, without its provenance and times.
    static string Numbers(string path)
    {
        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        root.Remove("run");
        root.Remove("seconds");
        return root.ToJsonString();
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void A_damaged_or_forged_result_is_refused_by_merge_and_plot_naming_the_file()
    {
        string good = dir.File("good.json");
        CliRun run = CliRun.Invoke(Common.Concat(new[] { "--quiet", "--shard", "0/2", "--out", good }).ToArray());
        Assert.True(run.ExitCode == 0, run.Error);
        string text = File.ReadAllText(good);
        var forged = new Dictionary<string, Func<JsonObject, JsonObject>>
        {
            ["bad-sum.json"] = o => { o["map_sums"]![3]![4] = "12q7"; return o; },
            ["huge-sum.json"] = o => { o["map_sums"]![0]![0] = new string('9', 6000) + "p0"; return o; },
            ["short-row.json"] = o => { ((JsonArray)o["map_sums"]![5]!).RemoveAt(0); return o; },
            ["negative.json"] = o => { o["per_image"]![0]![2] = -1.0; return o; },
            ["missing-image.json"] = o => { ((JsonArray)o["per_image"]!).RemoveAt(0); return o; },
            ["size.json"] = o => { o["size"] = 1_000_000; return o; },
            ["value.json"] = o => { o["value"] = "gradient"; return o; },
        };
        foreach ((string name, Func<JsonObject, JsonObject> edit) in forged)
        {
            string path = dir.File(name);
            File.WriteAllText(path, edit(JsonNode.Parse(text)!.AsObject()).ToJsonString());
            run = CliRun.Invoke("merge", path, good, "--out", dir.File("m.json"));
            Assert.True(run.ExitCode == 2, $"{name}: {run.Error}");
            Assert.Contains(path, run.Error, StringComparison.Ordinal);
            run = CliRun.Invoke("plot", path, "--out", dir.File("p.png"));
            Assert.True(run.ExitCode == 2, $"{name}: {run.Error}");
            Assert.Contains(path, run.Error, StringComparison.Ordinal);
        }
        Assert.False(File.Exists(dir.File("m.json")));
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void TorchScript_archives_give_gradients_through_their_verified_path_and_one_without_a_derivative_is_refused()
    {
        foreach (string model in new[] { "tiny-vit-scripted", "tiny-convnext-selfnorm", "tiny-mobilenetv3-traced" })
        {
            string output = dir.File(model + ".json");
            CliRun run = CliRun.Invoke("sensitivity", "--weights", TorchScriptFixtures.Archive(model), "--dataset", "synthetic", "--limit", "4", "--quiet", "--out", output);
            Assert.True(run.ExitCode == 0, $"{model}: {run.Error}");
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(output));
            Assert.EndsWith("; input gradients", doc.RootElement.GetProperty("run").GetProperty("execution_path").GetString(), StringComparison.Ordinal);
            Assert.All(doc.RootElement.GetProperty("per_image").EnumerateArray(), image => Assert.True(image[2].GetDouble() + image[3].GetDouble() + image[4].GetDouble() > 0));
        }
        // Traced in eval mode, torchvision's ViT records nn.MultiheadAttention's fast path, which has no derivative.
        string traced = TorchScriptFixtures.Archive("tiny-vit-traced");
        CliRun refused = CliRun.Invoke("sensitivity", "--weights", traced, "--dataset", "synthetic", "--limit", "4", "--quiet", "--out", dir.File("vit.json"));
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains($"--weights: '{Path.GetFullPath(traced)}' cannot be differentiated with respect to its input: derivative for aten::_native_multi_head_attention is not implemented",
            refused.Error, StringComparison.Ordinal);
        Assert.Contains("torch.jit.script", refused.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("vit.json")));
    }
}
