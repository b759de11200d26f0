using System.Globalization;
using System.Text.Json;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Cli.Tests;

public sealed class SweepCommandTests : IDisposable
{
    readonly TempDirectory dir = new();

    public SweepCommandTests() => SyntheticCifar.WriteSmoothTestBatch(dir.Path, 30);

    public void Dispose() => dir.Dispose();

    static List<Dictionary<string, string>> ReadCsv(string path)
    {
        string[] lines = File.ReadAllLines(path);
        string[] header = lines[0].Split(',');
        return lines.Skip(1).Select(l => header.Zip(l.Split(',')).ToDictionary(p => p.First, p => p.Second)).ToList();
    }

    [Fact]
    public void Lowpass_end_to_end_writes_the_table_results_and_predictions()
    {
        string results = dir.File("x.csv"), predictions = dir.File("p.csv");
        CliRun run = CliRun.Invoke("lowpass", "--model", "cifar-resnet20", "--weights", "random", "--dataset", "cifar10", "--data", dir.Path,
            "--radii", "4..28:4", "--limit", "25", "--out", results, "--predictions", predictions, "--threads", "2");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("RANDOM weights", run.Error, StringComparison.Ordinal);
        Assert.Contains("keeps every coefficient", run.Error, StringComparison.Ordinal); // r = 24, 28 on 32x32

        string[] tableLines = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(9, tableLines.Length); // header, baseline, 7 radii

        var rows = ReadCsv(results);
        Assert.Equal(8, rows.Count);
        Assert.Equal("none", rows[0]["filter"]);
        Assert.Equal("", rows[0]["radius"]);
        Assert.Equal(new[] { "4", "8", "12", "16", "20", "24", "28" }, rows.Skip(1).Select(r => r["radius"]));
        Assert.All(rows.Skip(1), r => Assert.Equal("lowpass", r["filter"]));
        Assert.All(rows, r => Assert.Equal("25", r["n"]));

        var preds = ReadCsv(predictions);
        Assert.Equal(25 * 8, preds.Count);
        Assert.Equal(new[] { "index", "label", "filter", "radius", "pred", "prob" }, File.ReadLines(predictions).First().Split(','));
        Assert.All(preds.Where(p => p["filter"] == "none"), p => Assert.Equal("", p["radius"]));
        // Each results row is the count of its prediction rows.
        foreach (var row in rows)
        {
            int correct = preds.Count(p => p["filter"] == row["filter"] && p["radius"] == row["radius"] && p["pred"] == p["label"]);
            Assert.Equal(row["correct"], correct.ToString(CultureInfo.InvariantCulture));
        }
        Assert.All(preds, p => Assert.InRange(double.Parse(p["prob"], CultureInfo.InvariantCulture), 0.1, 1.0)); // arg-max of 10 classes
        Assert.Equal(Enumerable.Range(0, 25).Select(i => i.ToString(CultureInfo.InvariantCulture)), preds.Select(p => p["index"]).Distinct());
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void Json_output_records_provenance_and_bandpass_labels_bands()
    {
        string results = dir.File("b.json");
        CliRun run = CliRun.Invoke("bandpass", "--model", "cifar-resnet20", "--weights", "random", "--dataset", "cifar10", "--data", dir.Path,
            "--bands", "0-4,4-8", "--out", results, "--seed", "3", "--quiet");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal("", run.Out);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(results));
        JsonElement meta = doc.RootElement.GetProperty("run");
        Assert.StartsWith("freqprobe bandpass --model cifar-resnet20", meta.GetProperty("command").GetString(), StringComparison.Ordinal);
        Assert.True(meta.GetProperty("random_weights").GetBoolean());
        Assert.Equal(30, meta.GetProperty("evaluated").GetInt32());
        Assert.Equal(3UL, meta.GetProperty("seed").GetUInt64());
        Assert.Contains("HFC", meta.GetProperty("filter_convention").GetString(), StringComparison.Ordinal);
        Assert.Equal(new[] { "", "0-4", "4-8" }, doc.RootElement.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("radius").GetString()));
    }

    [Fact]
    public void Weights_are_hashed_into_the_results()
    {
        string weights = dir.File("w.dat");
        using (var model = FreqProbe.Core.Models.ModelRegistry.Get("cifar-resnet20").Create(10)) model.save(weights);
        string results = dir.File("r.json");
        CliRun run = CliRun.Invoke("highpass", "--model", "cifar-resnet20", "--weights", weights, "--dataset", "cifar10", "--data", dir.Path,
            "--radii", "0,2", "--out", results, "--quiet");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.DoesNotContain("RANDOM", run.Error, StringComparison.Ordinal);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(results));
        Assert.Equal(FreqProbe.Core.Models.WeightsFile.Sha256(weights), doc.RootElement.GetProperty("run").GetProperty("weights_sha256").GetString());
        // A high-pass at r = 0 is the identity: it agrees with the baseline everywhere.
        Assert.Equal(1.0, doc.RootElement.GetProperty("rows")[1].GetProperty("agreement").GetDouble());
    }

    [Fact]
    public void Bad_input_exits_2_naming_every_problem_and_writes_nothing()
    {
        string results = dir.File("r.csv");
        File.WriteAllText(results, "previous results");
        CliRun run = CliRun.Invoke("lowpass", "--model", "resnet51", "--dataset", "cifar10", "--data", dir.Path,
            "--radii", "4,-2", "--limit", "0", "--out", results);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("unknown model 'resnet51'", run.Error, StringComparison.Ordinal);
        Assert.Contains("cifar-resnet20", run.Error, StringComparison.Ordinal);
        Assert.Contains("radius -2", run.Error, StringComparison.Ordinal);
        Assert.Contains("--limit", run.Error, StringComparison.Ordinal);
        Assert.Equal("previous results", File.ReadAllText(results));
    }

    [Fact]
    public void A_truncated_CIFAR_batch_exits_2_naming_the_file_and_keeps_old_results()
    {
        using var bad = new TempDirectory();
        File.WriteAllBytes(bad.File("test_batch.bin"), new byte[3073 * 2 + 10]);
        string results = dir.File("r.csv");
        File.WriteAllText(results, "previous results");
        CliRun run = CliRun.Invoke("lowpass", "--model", "cifar-resnet20", "--weights", "random", "--dataset", "cifar10", "--data", bad.Path, "--radii", "4", "--out", results);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(bad.File("test_batch.bin"), run.Error, StringComparison.Ordinal);
        Assert.Contains("6156 bytes", run.Error, StringComparison.Ordinal);
        Assert.Contains("3073-byte records", run.Error, StringComparison.Ordinal);
        Assert.Equal("previous results", File.ReadAllText(results));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp", SearchOption.AllDirectories)); // no temporary files left behind
    }

    [Fact]
    public void Usage_errors_exit_2()
    {
        Assert.Equal(2, CliRun.Invoke("lowpass", "--radii").ExitCode); // an option without its value
        Assert.Equal(2, CliRun.Invoke("bandpass", "--dataset", "synthetic", "--model", "cifar-resnet20", "--weights", "random").ExitCode); // --bands missing
        Assert.Equal(2, CliRun.Invoke("lowpass", "--dataset", "cifar10", "--model", "cifar-resnet20", "--weights", "random", "--radii", "4").ExitCode); // --data missing
        CliRun badShape = CliRun.Invoke("lowpass", "--model", "cifar-resnet20", "--weights", "random", "--dataset", "synthetic", "--radii", "4", "--shape", "hexagon");
        Assert.Equal(2, badShape.ExitCode);
        Assert.Contains("hexagon", badShape.Error, StringComparison.Ordinal);
        CliRun badOut = CliRun.Invoke("lowpass", "--model", "cifar-resnet20", "--weights", "random", "--dataset", "synthetic", "--radii", "4", "--out", dir.File("r.xlsx"));
        Assert.Equal(2, badOut.ExitCode);
        Assert.Contains(".csv, .json, .md", badOut.Error, StringComparison.Ordinal);
        CliRun cuda = CliRun.Invoke("lowpass", "--model", "cifar-resnet20", "--weights", "random", "--dataset", "synthetic", "--radii", "4", "--device", "cuda");
        Assert.Equal(2, cuda.ExitCode);
        Assert.Contains("no CUDA device", cuda.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_teaches_the_convention_and_the_radius_grammar()
    {
        CliRun help = CliRun.Invoke("lowpass", "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("cycles per image", help.Out, StringComparison.Ordinal);
        Assert.Contains("4..32:4", help.Out, StringComparison.Ordinal);
        Assert.Contains("d < r", help.Out, StringComparison.Ordinal);
        Assert.Contains("--predictions", help.Out, StringComparison.Ordinal);
        Assert.Contains("Example", help.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void The_synthetic_dataset_runs_without_files()
    {
        CliRun run = CliRun.Invoke("lowpass", "--model", "cifar-resnet20", "--weights", "random", "--dataset", "synthetic", "--radii", "2,8", "--limit", "20");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("lowpass", run.Out, StringComparison.Ordinal);
    }

    [Cifar10Fact]
    public void Runs_on_the_first_records_of_the_real_CIFAR_test_batch()
    {
        string results = dir.File("real.csv");
        CliRun run = CliRun.Invoke("lowpass", "--model", "cifar-resnet20", "--weights", "random", "--dataset", "cifar10", "--data", SharedData.Cifar10,
            "--radii", "4,8", "--limit", "40", "--out", results, "--quiet");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.All(ReadCsv(results), r => Assert.Equal("40", r["n"]));
    }
}
