using System.Globalization;
using System.Text.Json;
using CsvHelper;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.IO;
using FreqProbe.Core.Results;
using FreqProbe.Core.Spectral;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Core.Tests.Results;

public sealed class ResultWriterTests
{
    static SweepSummary Summary()
    {
        var metadata = new RunMetadata
        {
            Command = "freqprobe lowpass --radii 2.5", Model = "cifar-resnet20", NumClasses = 10, Dataset = "cifar10", DataSource = "/data",
            Split = "test", DatasetCount = 10000, Requested = 1000, Evaluated = 999, Skipped = 1, Preprocess = "32x32", InputSize = 32,
            Mean = new[] { 0.5f, 0.5f, 0.5f }, Std = new[] { 0.25f, 0.25f, 0.25f }, FilterConvention = SweepRunner.FilterConvention, Clip = false,
            Device = "cpu", Threads = 2, BatchSize = 64, Seed = 0, Versions = new Dictionary<string, string> { ["torchsharp"] = "0.107.0" },
            StartedUtc = DateTimeOffset.UnixEpoch, FinishedUtc = DateTimeOffset.UnixEpoch.AddSeconds(3),
        };
        var rows = new[]
        {
            new FilterResult(FrequencyFilter.Clean, 999, 500, 900, 999, 999.0, 1.0),
            new FilterResult(FrequencyFilter.LowPass(2.5), 999, 250, 700, 600, 900.5, 0.02),
            new FilterResult(FrequencyFilter.BandPass(4, 8.5), 999, 100, 400, 300, 99.9, 0.2),
        };
        return new SweepSummary(metadata, rows, Array.Empty<FreqProbe.Core.Datasets.SkippedImage>(), new[] { "a warning" });
    }

    static string Write(IResultWriter writer, SweepSummary summary)
    {
        using var stream = new MemoryStream();
        writer.Write(summary, stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    [Theory]
    [InlineData("de-DE")]
    [InlineData("ru-RU")]
    public void Numbers_are_written_in_the_invariant_culture_under_comma_decimal_cultures(string culture)
    {
        CultureInfo saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo(culture);
            string csv = Write(new CsvResultWriter(), Summary());
            using var reader = new CsvReader(new StringReader(csv), CultureInfo.InvariantCulture);
            var records = reader.GetRecords<dynamic>().Cast<IDictionary<string, object>>().ToList();
            Assert.Equal(3, records.Count);
            Assert.Equal("2.5", records[1]["radius"]);
            Assert.Equal("4-8.5", records[2]["radius"]);
            Assert.Equal(250.0 / 999, double.Parse((string)records[1]["top1"], CultureInfo.InvariantCulture), 6);
            Assert.Equal("", records[0]["radius"]);
            Assert.Equal("none", records[0]["filter"]);
            Assert.DoesNotContain("0,5", csv, StringComparison.Ordinal);
            string json = Write(new JsonResultWriter(), Summary());
            using JsonDocument doc = JsonDocument.Parse(json);
            Assert.Equal(0.02, doc.RootElement.GetProperty("rows")[1].GetProperty("coefficients_kept").GetDouble());
            string markdown = Write(new MarkdownResultWriter(), Summary());
            Assert.Contains("| cifar-resnet20 | cifar10 | test | lowpass | circle | ideal | 2.5 | 999 | 250 | 0.250250 |", markdown, StringComparison.Ordinal);
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void Json_carries_the_provenance()
    {
        using JsonDocument doc = JsonDocument.Parse(Write(new JsonResultWriter(), Summary()));
        JsonElement run = doc.RootElement.GetProperty("run");
        Assert.Equal("freqprobe lowpass --radii 2.5", run.GetProperty("command").GetString());
        Assert.True(run.GetProperty("random_weights").GetBoolean());
        Assert.Equal(JsonValueKind.Null, run.GetProperty("weights_sha256").ValueKind);
        Assert.Equal(SweepRunner.FilterConvention, run.GetProperty("filter_convention").GetString());
        Assert.Equal(1, run.GetProperty("skipped").GetInt32());
        Assert.Equal("0.107.0", run.GetProperty("versions").GetProperty("torchsharp").GetString());
        Assert.Equal(999, doc.RootElement.GetProperty("rows")[0].GetProperty("n").GetInt64());
    }

    [Fact]
    public void A_failed_write_leaves_the_existing_file_and_no_temporary_behind()
    {
        using var dir = new TempDirectory();
        string path = dir.File("r.csv");
        File.WriteAllText(path, "good old results");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[] { 1, 2, 3 });
            throw new InvalidOperationException("disk on fire");
        }));
        Assert.Equal("good old results", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir.Path));
        AtomicFile.Write(path, stream => stream.Write("new"u8));
        Assert.Equal("new", File.ReadAllText(path));
        Assert.NotNull(AtomicFile.CheckWritable(Path.Combine(dir.Path, "missing", "r.csv")));
        Assert.Null(AtomicFile.CheckWritable(path));
    }

    [Fact]
    public void Unknown_output_extensions_list_the_valid_ones()
    {
        var error = Assert.Throws<InputException>(() => ResultWriterRegistry.ForPath("r.xlsx"));
        Assert.Contains(".csv", error.Message, StringComparison.Ordinal);
        Assert.Contains(".json", error.Message, StringComparison.Ordinal);
        Assert.Contains(".md", error.Message, StringComparison.Ordinal);
    }
}
