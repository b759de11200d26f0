using FreqProbe.Core.Datasets;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Models;
using FreqProbe.Core.Results;
using FreqProbe.Core.Spectral;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Core.Tests.Evaluation;

public sealed class SweepRunnerTests : IDisposable
{
    readonly TempDirectory dir = new();

    public SweepRunnerTests() => SyntheticCifar.WriteSmoothTestBatch(dir.Path, 45);

    public void Dispose() => dir.Dispose();

    RunRequest Request(int batchSize, int threads, IReadOnlyList<FrequencyFilter>? filters = null) => new()
    {
        Model = ModelRegistry.Get("cifar-resnet20"),
        Preprocess = PreprocessPolicy.Native(32),
        Mean = ModelRegistry.Get("cifar-resnet20").Mean!,
        Std = ModelRegistry.Get("cifar-resnet20").Std!,
        Dataset = new DatasetOptions("cifar10", dir.Path),
        Filters = filters ?? RadiusList.Parse("2..14:3").Select(r => FrequencyFilter.LowPass(r)).ToArray(),
        BatchSize = batchSize,
        Threads = threads,
        Device = "cpu",
        Seed = 5,
    };

    static string Csv(SweepSummary summary)
    {
        using var stream = new MemoryStream();
        new CsvResultWriter().Write(summary, stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    sealed class CollectingSink : IPredictionSink
    {
        public List<(int Index, string Filter, string Radius, int Pred, float Prob)> Rows { get; } = new();

        public void Add(int index, int label, FrequencyFilter filter, int predicted, float probability) =>
            Rows.Add((index, filter.KindName, filter.RadiusLabel, predicted, probability));

        public long Flush() => Rows.Count;
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void Channels_last_gives_the_same_counts_and_predictions_as_nchw_and_is_recorded()
    {
        var sinks = new[] { new CollectingSink(), new CollectingSink() };
        SweepSummary nchw = SweepRunner.Run(Request(16, 2) with { Layout = "nchw" }, sinks[0]);
        SweepSummary nhwc = SweepRunner.Run(Request(16, 2) with { Layout = "nhwc" }, sinks[1]);
        Assert.Equal(Csv(nchw), Csv(nhwc));
        Assert.Equal(sinks[0].Rows.Select(r => (r.Index, r.Pred)), sinks[1].Rows.Select(r => (r.Index, r.Pred)));
        Assert.All(sinks[0].Rows.Zip(sinks[1].Rows), p => Assert.Equal(p.First.Prob, p.Second.Prob, 4));
        Assert.Equal(("nchw", "nhwc"), (nchw.Metadata.Layout, nhwc.Metadata.Layout));
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void Results_do_not_depend_on_batch_size_or_thread_count()
    {
        var sinks = new[] { new CollectingSink(), new CollectingSink(), new CollectingSink() };
        string a = Csv(SweepRunner.Run(Request(7, 1), sinks[0]));
        string b = Csv(SweepRunner.Run(Request(64, 2), sinks[1]));
        string c = Csv(SweepRunner.Run(Request(7, 2), sinks[2]));
        Assert.Equal(a, b);
        Assert.Equal(a, c);
        // Per-image predictions agree too, and come in the same order (by image, then filter setting).
        Assert.Equal(sinks[0].Rows.Select(r => (r.Index, r.Filter, r.Radius, r.Pred)), sinks[1].Rows.Select(r => (r.Index, r.Filter, r.Radius, r.Pred)));
        for (int i = 0; i < sinks[0].Rows.Count; i++) Assert.True(Math.Abs(sinks[0].Rows[i].Prob - sinks[1].Rows[i].Prob) < 1e-5);
    }

    [Fact]
    public void The_baseline_comes_first_and_counts_every_image()
    {
        var sink = new CollectingSink();
        SweepSummary summary = SweepRunner.Run(Request(16, 2) with { Limit = 20 }, sink);
        Assert.Equal(6, summary.Rows.Count);
        FilterResult baseline = summary.Rows[0];
        Assert.Equal(FilterKind.None, baseline.Filter.Kind);
        Assert.All(summary.Rows, r => Assert.Equal(20, r.N));
        Assert.Equal(1.0, baseline.Agreement);
        Assert.Equal(1.0, baseline.EnergyKept);
        Assert.Equal(20 * 6, sink.Rows.Count);
        Assert.True(summary.Metadata.RandomWeights);
        Assert.Contains(summary.Warnings, w => w.Contains("RANDOM", StringComparison.Ordinal));
        // Counts match the per-image predictions.
        int[] labels = Enumerable.Range(0, 20).Select(i => i % 10).ToArray();
        Assert.Equal(sink.Rows.Count(r => r.Filter == "none" && r.Pred == labels[r.Index]), baseline.Correct);
        // Energy kept grows with the low-pass radius.
        double[] energy = summary.Rows.Skip(1).Select(r => r.EnergyKept).ToArray();
        Assert.Equal(energy.Order(), energy);
    }

    [Fact]
    public void A_low_pass_that_keeps_everything_agrees_with_the_baseline_and_warns()
    {
        SweepSummary summary = SweepRunner.Run(Request(16, 2, new[] { FrequencyFilter.LowPass(23), FrequencyFilter.LowPass(0) }) with { Limit = 10 });
        Assert.Equal(1.0, summary.Rows[1].Agreement);
        Assert.Equal(summary.Rows[0].Correct, summary.Rows[1].Correct);
        Assert.Equal(0.0, summary.Rows[2].CoefficientsKept);
        Assert.Contains(summary.Warnings, w => w.Contains("keeps every coefficient", StringComparison.Ordinal));
        Assert.Contains(summary.Warnings, w => w.Contains("keeps no coefficient", StringComparison.Ordinal));
    }

    [Fact]
    public void Too_few_model_outputs_for_the_dataset_is_an_input_error()
    {
        var error = Assert.Throws<InputException>(() => SweepRunner.Run(Request(8, 1) with { NumClasses = 5 }));
        Assert.Equal("num-classes", error.Setting);
    }
}
