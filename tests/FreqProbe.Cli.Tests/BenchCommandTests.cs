using System.Text.Json;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Cli.Tests;

/// <summary>bench runs each stage and reports them; the numbers themselves are for the README, never asserted.</summary>
public sealed class BenchCommandTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    [Trait("Speed", "slow")]
    public void Reports_every_stage_and_the_efficiency_as_a_table_and_json()
    {
        string json = dir.File("bench.json");
        CliRun run = CliRun.Invoke("bench", "--images", "16", "--repeats", "1", "--threads", "1", "--batch-size", "8", "--radii", "4,8", "--out", json);
        Assert.True(run.ExitCode == 0, run.Error);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(json));
        JsonElement result = doc.RootElement.GetProperty("result");
        // The table's row is the measured result, not just a header: its cells are the JSON's numbers, rounded.
        string[] row = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("cifar-resnet20", row[0]);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        Assert.Equal(Math.Round(result.GetProperty("decode_per_second").GetDouble()).ToString(inv), row[^5]);
        Assert.Equal(Math.Round(result.GetProperty("forward_per_second").GetDouble()).ToString(inv), row[^3]);
        Assert.Equal(result.GetProperty("efficiency").GetDouble().ToString("0.000", inv), row[^1]);
        Assert.Equal(2, result.GetProperty("radii").GetInt32());
        Assert.Equal(8, result.GetProperty("batch_size").GetInt32());
        Assert.Equal(24, result.GetProperty("forward_batch").GetInt32()); // 3 settings of 8 images share a pass on 32x32
        foreach (string stage in new[] { "decode_per_second", "filter_per_second", "forward_per_second", "end_to_end_per_second" })
        {
            Assert.True(result.GetProperty(stage).GetDouble() > 0, stage);
        }
        Assert.True(doc.RootElement.GetProperty("efficiency").GetDouble() > 0);
    }
}
