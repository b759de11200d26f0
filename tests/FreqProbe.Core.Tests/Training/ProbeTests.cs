using FreqProbe.Core.Datasets;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Models;
using FreqProbe.Core.Results;
using FreqProbe.Core.Spectral;
using FreqProbe.Core.Tests.Support;
using FreqProbe.Core.Training;

namespace FreqProbe.Core.Tests.Training;

/// <summary>`train --probe-radii`, `--probe-fprinciple` and `--shuffle-labels` on small synthetic runs.</summary>
public sealed class ProbeTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    static readonly ModelSpec Model = ModelRegistry.Get("cifar-resnet20");

    TrainRequest Request(string folder, ProbeSpec probe, ulong? shuffle = null)
    {
        TrainRequest tiny = TinyTraining.Request(dir.File(folder));
        return tiny with { Probe = probe, Dataset = tiny.Dataset with { ShuffleLabelsSeed = shuffle } };
    }

    static string ProbeFile(TrainRequest r) => Path.Combine(r.OutputDirectory, "tiny.probe.csv");

    static string FPrincipleFile(TrainRequest r) => Path.Combine(r.OutputDirectory, "tiny.fprinciple.csv");

    // The sweep `lowpass`/`highpass` would run on the final weights: built here from the command's own parts, not the probe's.
    static SweepSummary Sweep(TrainRequest r, string split, FrequencyFilter[] filters, int? limit) => SweepRunner.Run(new RunRequest
    {
        Model = Model,
        WeightsPath = Path.Combine(r.OutputDirectory, "tiny.safetensors"),
        Preprocess = PreprocessPolicy.Native(32),
        Mean = Model.Mean!,
        Std = Model.Std!,
        Dataset = new DatasetOptions("synthetic", null, split, GeneratedCount: split == "train" ? 96 : 48, Seed: 4),
        Filters = filters,
        Limit = limit,
        Threads = 2,
        Device = "cpu",
    });

    [Fact]
    [Trait("Speed", "slow")]
    public void Probe_rows_equal_what_lowpass_and_highpass_give_on_the_same_weights_and_images()
    {
        // The probed training subset is the whole (96-image) training split here, so lowpass on the train split sees the same images.
        TrainRequest request = Request("p", new ProbeSpec { Radii = new[] { 4.0, 10.0 }, TrainCount = 96, TestCount = 40 });
        Trainer.Run(request);
        ProbeRow[] last = ProbeFiles.ReadAccuracy(ProbeFile(request)).Where(r => r.Epoch == 2).ToArray();
        Assert.Equal(2 * 5, last.Length); // two splits x (none + 2 low + 2 high)
        foreach ((string split, int? limit, int n) in new[] { ("train", (int?)null, 96), ("test", (int?)40, 40) })
        {
            foreach (FilterKind kind in new[] { FilterKind.LowPass, FilterKind.HighPass })
            {
                FrequencyFilter[] filters = new[] { 4.0, 10.0 }.Select(r => kind == FilterKind.LowPass ? FrequencyFilter.LowPass(r) : FrequencyFilter.HighPass(r)).ToArray();
                SweepSummary sweep = Sweep(request, split, filters, limit);
                foreach (FilterResult row in sweep.Rows)
                {
                    ProbeRow probe = last.Single(p => p.Split == split && p.Filter == row.Filter.KindName &&
                        (row.Filter.Kind == FilterKind.None ? double.IsNaN(p.Radius) : p.Radius == row.Filter.Radius));
                    Assert.Equal(n, probe.N);
                    Assert.Equal(row.N, probe.N);
                    Assert.Equal(row.Correct, probe.Correct);
                }
            }
        }
        // Filters that did nothing would make every row alike: the filtered rows must differ from the unfiltered ones somewhere.
        Assert.True(last.Select(r => r.Correct).Distinct().Count() > 2, string.Join("; ", last));
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void A_resumed_random_label_run_writes_the_same_probe_files_as_an_uninterrupted_one()
    {
        var probe = new ProbeSpec { Radii = new[] { 8.0 }, TrainCount = 50, TestCount = 30, FPrinciple = true };
        ModelCard whole = Trainer.Run(Request("whole", probe, shuffle: 3));
        using var cancel = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => Trainer.Run(Request("cut", probe, shuffle: 3), new CancelAtEpoch(2, cancel), cancellation: cancel.Token));
        Assert.Equal(1 + FPrinciple.WidthsOverMedian.Count, File.ReadAllLines(FPrincipleFile(Request("cut", probe))).Length); // header + epoch 1
        Trainer.Run(Request("cut", probe, shuffle: 3) with { Resume = true });

        Assert.Equal(File.ReadAllBytes(ProbeFile(Request("whole", probe))), File.ReadAllBytes(ProbeFile(Request("cut", probe))));
        Assert.Equal(File.ReadAllBytes(FPrincipleFile(Request("whole", probe))), File.ReadAllBytes(FPrincipleFile(Request("cut", probe))));
        Assert.Equal(2 * 2 * 3, ProbeFiles.ReadAccuracy(ProbeFile(Request("whole", probe))).Count);
        IReadOnlyList<FPrincipleRow> errors = ProbeFiles.ReadFPrinciple(FPrincipleFile(Request("whole", probe)));
        Assert.Equal(2 * FPrinciple.WidthsOverMedian.Count, errors.Count);
        Assert.All(errors, e => Assert.True(e.LowError > 0 && e.HighError > 0 && e.N == 50));
        Assert.Contains("seed 3", whole.Labels, StringComparison.Ordinal);

        // The same run with the true labels trains to other weights: the shuffle reached the training batches.
        Trainer.Run(Request("true", probe));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(dir.File("true"), "tiny.safetensors")), File.ReadAllBytes(Path.Combine(dir.File("whole"), "tiny.safetensors")));
    }

    [Fact]
    public void Shuffled_labels_are_a_reproducible_permutation_that_keeps_the_class_counts()
    {
        using var data = new SyntheticDataset("train", 500, 4);
        using var a = new RelabeledDataset(new SyntheticDataset("train", 500, 4), 11);
        using var b = new RelabeledDataset(new SyntheticDataset("train", 500, 4), 11);
        using var c = new RelabeledDataset(new SyntheticDataset("train", 500, 4), 12);
        int[] original = Enumerable.Range(0, 500).Select(data.LabelAt).ToArray();
        int[] first = Enumerable.Range(0, 500).Select(a.LabelAt).ToArray();
        Assert.Equal(first, Enumerable.Range(0, 500).Select(b.LabelAt));
        Assert.NotEqual(first, Enumerable.Range(0, 500).Select(c.LabelAt));
        Assert.Equal(original.Order(), first.Order());
        Assert.InRange(original.Zip(first).Count(p => p.First == p.Second), 0, 500 / 5); // about 1 in 10 by chance
        Assert.Equal(Enumerable.Range(0, 500), Enumerable.Range(0, 500).Select(a.LabelSource).Order());
        Assert.Equal(data.Decode(7).Pixels, a.Decode(7).Pixels);
    }

    [Fact]
    public void The_probed_training_subset_is_seeded_sorted_and_distinct()
    {
        int[] subset = FrequencyProbe.Subset(1000, 100, 5);
        Assert.Equal(subset, FrequencyProbe.Subset(1000, 100, 5));
        Assert.NotEqual(subset, FrequencyProbe.Subset(1000, 100, 6));
        Assert.Equal(100, subset.Distinct().Count());
        Assert.Equal(subset.Order(), subset);
        Assert.True(subset[^1] > 500, "a subset of the first images only would not be random");
    }
}
