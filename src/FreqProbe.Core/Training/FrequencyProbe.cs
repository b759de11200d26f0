using FreqProbe.Core.Datasets;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Native;
using FreqProbe.Core.Spectral;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Training;

/// <summary>
/// The per-epoch probes of a training run (<see cref="ProbeSpec"/>). Accuracy under the filters is a sweep of the
/// epoch's checkpoint, the code `lowpass` and `highpass` run (<see cref="SweepRunner"/>: one FFT per image, every
/// radius from it, the same forward pass), on the seeded training subset and on the first test images, so a probe
/// row equals what those commands give on the same checkpoint and images. The F-principle measure keeps the subset's
/// pixels and pairwise distances from the start of the run and scores the checkpoint's softmax outputs against them.
/// </summary>
internal sealed class FrequencyProbe : IDisposable
{
    readonly TrainRequest request;
    readonly ProbeSpec spec;
    readonly int classes;
    readonly int testCount;
    readonly IReadOnlyList<FrequencyFilter> filters;
    readonly Tensor? inputs;   // [n, 3, S, S] in [0,1]
    readonly Tensor? squared;  // [n, n] squared distances, float64
    readonly Tensor? oneHot;   // [n, C], float64
    readonly double median;

    public FrequencyProbe(TrainRequest request, ProbeSpec spec, IImageDataset train, int trainCount, int testCount, int classes)
    {
        this.request = request;
        this.spec = spec;
        this.classes = classes;
        this.testCount = testCount;
        TrainIndices = Subset(trainCount, Math.Min(spec.TrainCount, trainCount), request.Seed);
        filters = spec.Radii.Select(r => FrequencyFilter.LowPass(r)).Concat(spec.Radii.Select(r => FrequencyFilter.HighPass(r))).ToArray();
        if (!spec.FPrinciple) return;
        if (TrainIndices.Length < 2) throw new InputException("probe-train", $"the F-principle measure needs at least 2 training images; got {TrainIndices.Length}.");
        int size = request.Preprocess.InputSize, plane = 3 * size * size;
        var pixels = new float[(long)TrainIndices.Length * plane];
        var labels = new long[TrainIndices.Length];
        int at = 0;
        foreach (ImageBatch batch in new BatchStream(train, TrainIndices, 256, request.Preprocess, request.Threads, BadImagePolicy.Fail).Read())
        {
            Array.Copy(batch.Pixels, 0, pixels, (long)at * plane, (long)batch.Count * plane);
            for (int i = 0; i < batch.Count; i++) labels[at + i] = batch.Labels[i];
            at += batch.Count;
        }
        inputs = tensor(pixels, new long[] { TrainIndices.Length, 3, size, size });
        squared = FPrinciple.SquaredDistances(inputs.reshape(TrainIndices.Length, plane));
        median = FPrinciple.MedianDistance(squared);
        using Tensor y = tensor(labels);
        oneHot = nn.functional.one_hot(y, classes).to(ScalarType.Float64);
    }

    /// <summary>The training images probed, sorted: the first N of a seeded permutation of the first <c>trainCount</c>.</summary>
    public int[] TrainIndices { get; }

    /// <summary>The seeded subset of <paramref name="n"/> of the first <paramref name="count"/> images, sorted.</summary>
    public static int[] Subset(int count, int n, ulong seed)
    {
        int[] chosen = CounterRandom.Permutation(count, seed * 1_000_033UL + 5, 96)[..n];
        Array.Sort(chosen);
        return chosen;
    }

    /// <summary>Top-1 of the checkpoint at <paramref name="weights"/> on both splits, unfiltered and under every filter.</summary>
    public IReadOnlyList<ProbeRow> Accuracy(int epoch, string weights)
    {
        if (spec.Radii.Count == 0) return Array.Empty<ProbeRow>();
        var rows = new List<ProbeRow>();
        foreach (string split in new[] { "train", "test" })
        {
            SweepSummary summary = SweepRunner.Run(Sweep(split, weights));
            foreach (FilterResult r in summary.Rows)
            {
                rows.Add(new ProbeRow(epoch, split, r.Filter.KindName, r.Filter.Kind == FilterKind.None ? double.NaN : r.Filter.Radius, r.N, r.Correct));
            }
        }
        return rows;
    }

    /// <summary>The sweep that probes <paramref name="split"/>: what `lowpass`/`highpass` would be asked on the same images.</summary>
    public RunRequest Sweep(string split, string weights)
    {
        bool train = split == "train";
        return new RunRequest
        {
            Model = request.Model,
            WeightsPath = weights,
            AllowNonfinite = true, // a diverged epoch is recorded as what it is, not refused
            NumClasses = classes,
            Preprocess = request.Preprocess,
            Mean = request.Mean,
            Std = request.Std,
            Dataset = train ? request.TrainDataset : request.TestDataset,
            Filters = filters,
            Indices = train ? TrainIndices : null,
            Limit = train ? null : testCount,
            Threads = request.Threads,
            Device = request.Device,
            Seed = request.Seed,
        };
    }

    /// <summary>e_low and e_high of the checkpoint at <paramref name="weights"/> for every kernel width; empty without --probe-fprinciple.</summary>
    public IReadOnlyList<FPrincipleRow> FPrincipleErrors(int epoch, string weights)
    {
        if (inputs is null || squared is null || oneHot is null) return Array.Empty<FPrincipleRow>();
        using Tensor outputs = SoftmaxOutputs(weights);
        return FPrinciple.WidthsOverMedian.Select(w =>
        {
            double delta = w * median * (w * median);
            (double low, double high) = FPrinciple.Errors(squared, delta, oneHot, outputs);
            return new FPrincipleRow(epoch, w, delta, TrainIndices.Length, low, high);
        }).ToArray();
    }

    // The checkpoint's softmax outputs on the subset's clean images, [n, C] float64 on the CPU.
    Tensor SoftmaxOutputs(string weights)
    {
        Device device = TorchBackend.SelectDevice(request.Device);
        using nn.Module<Tensor, Tensor> model = request.Model.Open(classes, weights);
        model.to(device);
        model.eval();
        using Tensor mean = tensor(request.Mean.ToArray(), new long[] { 1, 3, 1, 1 }).to(device);
        using Tensor std = tensor(request.Std.ToArray(), new long[] { 1, 3, 1, 1 }).to(device);
        var parts = new List<Tensor>();
        using (no_grad())
        {
            long n = inputs!.shape[0];
            for (long first = 0; first < n; first += 256)
            {
                using var scope = NewDisposeScope();
                Tensor x = inputs.narrow(0, first, Math.Min(256, n - first)).to(device);
                parts.Add(nn.functional.softmax(model.forward(x.sub(mean).div_(std)), 1).to(ScalarType.Float64).cpu().MoveToOuterDisposeScope());
            }
        }
        Tensor all = cat(parts, 0);
        foreach (Tensor part in parts) part.Dispose();
        return all;
    }

    /// <summary>The median pairwise distance of the subset (0 without the F-principle measure).</summary>
    public double MedianDistance => median;

    public void Dispose()
    {
        inputs?.Dispose();
        squared?.Dispose();
        oneHot?.Dispose();
    }
}
