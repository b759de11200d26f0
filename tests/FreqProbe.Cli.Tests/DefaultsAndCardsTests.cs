using System.Globalization;
using System.Text.Json;
using FreqProbe.Core.Datasets;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Cli.Tests;

public sealed class DefaultsAndCardsTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public void With_no_dataset_data_or_weights_the_builtin_default_runs_offline()
    {
        string results = dir.File("default.json");
        CliRun run = CliRun.Invoke("lowpass", "--limit", "40", "--out", results, "--quiet");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("built-in default", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("RANDOM", run.Error, StringComparison.Ordinal);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(results));
        JsonElement meta = doc.RootElement.GetProperty("run");
        Assert.Equal("builtin:synthetic", meta.GetProperty("weights").GetString());
        Assert.Equal("synthetic", meta.GetProperty("dataset").GetString());
        Assert.Equal("cifar-resnet20", meta.GetProperty("model").GetString());
        Assert.False(meta.GetProperty("random_weights").GetBoolean());
        Assert.Equal(new[] { "", "2", "4", "6", "8", "10", "12", "14", "16" }, doc.RootElement.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("radius").GetString()));
    }

    [Fact]
    public void A_model_card_beside_the_weights_supplies_model_and_dataset()
    {
        string folder = dir.File("trained");
        CliRun train = CliRun.Invoke("train", "--model", "cifar-resnet20", "--dataset", "synthetic", "--train-size", "64", "--test-size", "32",
            "--epochs", "1", "--batch-size", "32", "--out", folder, "--name", "m", "--quiet");
        Assert.True(train.ExitCode == 0, train.Error);
        Assert.Contains("trained m", train.Out, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(folder, "m.card.json")));
        Assert.Equal(2, File.ReadAllLines(Path.Combine(folder, "m.log.csv")).Length);

        string results = dir.File("r.json");
        CliRun run = CliRun.Invoke("highpass", "--weights", Path.Combine(folder, "m.safetensors"), "--radii", "4", "--limit", "20", "--out", results, "--quiet");
        Assert.True(run.ExitCode == 0, run.Error);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(results));
        Assert.Equal("cifar-resnet20", doc.RootElement.GetProperty("run").GetProperty("model").GetString());
        Assert.Equal("synthetic", doc.RootElement.GetProperty("run").GetProperty("dataset").GetString());

        CliRun again = CliRun.Invoke("train", "--model", "cifar-resnet20", "--dataset", "synthetic", "--train-size", "64", "--epochs", "1", "--out", folder, "--name", "m", "--quiet");
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("--resume", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_card_the_model_is_required()
    {
        CliRun run = CliRun.Invoke("lowpass", "--dataset", "synthetic", "--radii", "4");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--model: required", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Per_class_columns_weight_back_to_the_overall_top1()
    {
        string results = dir.File("pc.csv");
        CliRun run = CliRun.Invoke("lowpass", "--radii", "4", "--limit", "60", "--per-class", "--out", results, "--quiet");
        Assert.True(run.ExitCode == 0, run.Error);
        string[] lines = File.ReadAllLines(results);
        string[] header = lines[0].Split(',');
        Assert.Equal(Enumerable.Range(0, 10).Select(k => $"top1_class_{k}"), header.Where(h => h.StartsWith("top1_class_", StringComparison.Ordinal)));
        using var data = new SyntheticDataset("test");
        long[] counts = new long[10];
        for (int i = 0; i < 60; i++) counts[data.LabelAt(i)]++;
        foreach (string line in lines.Skip(1))
        {
            string[] cells = line.Split(',');
            double weighted = Enumerable.Range(0, 10).Where(k => counts[k] > 0)
                .Sum(k => counts[k] * double.Parse(cells[Array.IndexOf(header, $"top1_class_{k}")], CultureInfo.InvariantCulture));
            Assert.Equal(double.Parse(cells[Array.IndexOf(header, "correct")], CultureInfo.InvariantCulture), weighted, 3);
        }
    }
}
