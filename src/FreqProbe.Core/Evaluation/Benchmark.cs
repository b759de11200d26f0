using System.Diagnostics;
using FreqProbe.Core.Datasets;
using FreqProbe.Core.IO;
using FreqProbe.Core.Models;
using FreqProbe.Core.Native;
using FreqProbe.Core.Spectral;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Evaluation;

/// <summary>What to benchmark: a sweep (model, weights, data, filters, batch size, threads, device, precision) on <paramref name="Images"/> images.</summary>
public sealed record BenchRequest(RunRequest Sweep, int Images, int Repeats, BenchStages Stages = BenchStages.All);

/// <summary>The stages <c>bench</c> measures.</summary>
[Flags]
public enum BenchStages
{
    /// <summary>Decode and preprocess.</summary>
    Decode = 1,

    /// <summary>Spectral filtering.</summary>
    Filter = 2,

    /// <summary>Forward passes on pre-made tensors.</summary>
    Forward = 4,

    /// <summary>The whole sweep.</summary>
    Sweep = 8,

    /// <summary>Every stage.</summary>
    All = Decode | Filter | Forward | Sweep,
}

/// <summary>Throughputs of each stage, as the median over the repeats; null for a stage not measured.</summary>
/// <param name="Model">Architecture.</param>
/// <param name="Precision">Forward precision.</param>
/// <param name="Device">Where it ran.</param>
/// <param name="Dataset">Data source.</param>
/// <param name="InputSize">Model-input side in pixels.</param>
/// <param name="Radii">Filter settings besides the baseline.</param>
/// <param name="Images">Images per measurement.</param>
/// <param name="BatchSize">Images per data batch.</param>
/// <param name="Threads">CPU threads.</param>
/// <param name="DecodePerSecond">Images decoded and preprocessed per second (parallel, as in a sweep).</param>
/// <param name="FilterPerSecond">Image·radius pairs filtered per second (one rfft2 per image, every mask, irfft2, energy).</param>
/// <param name="ForwardPerSecond">Images through the model per second on pre-made tensors, at the sweep's forward batch.</param>
/// <param name="EndToEndPerSecond">Image·(radii + 1) evaluations per second of the whole sweep.</param>
/// <param name="ForwardBatch">Images per forward pass in the sweep (radii packed for small inputs).</param>
public sealed record BenchResult(string Model, string Precision, string Device, string Dataset, int InputSize, int Radii, int Images, int BatchSize, int ForwardBatch,
    int Threads, double? DecodePerSecond, double? FilterPerSecond, double? ForwardPerSecond, double? EndToEndPerSecond)
{
    /// <summary>End-to-end over forward-only throughput: 1 means the sweep runs at the speed of the model.</summary>
    public double? Efficiency => ForwardPerSecond > 0 && EndToEndPerSecond is { } sweep ? sweep / ForwardPerSecond : null;
}

/// <summary>Measures decode, filtering, forward and end-to-end throughput in one process, each warmed up first.</summary>
public static class Benchmark
{
    static readonly System.Text.Json.JsonSerializerOptions FileOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower,
    };

    /// <summary>Writes <paramref name="result"/> as a <see cref="FormatTags.Bench"/> file, with the command and machine that measured it.</summary>
    public static void WriteFile(Stream stream, BenchResult result, string command)
    {
        var document = new
        {
            format = FormatTags.Bench, command, result, efficiency = result.Efficiency, versions = Native.TorchBackend.Versions(),
            machine = $"{Environment.MachineName}, {Environment.ProcessorCount} cores", created_utc = DateTimeOffset.UtcNow,
        };
        System.Text.Json.JsonSerializer.Serialize(stream, document, FileOptions);
    }

    /// <summary>Runs <paramref name="request"/>; <paramref name="log"/> hears each measurement.</summary>
    public static BenchResult Run(BenchRequest request, Action<string>? log = null)
    {
        RunRequest s = request.Sweep with { Limit = request.Images, CheckpointPath = null, Resume = false };
        using EvaluationSession session = EvaluationSession.Open(s, SessionParts.All, null, settingsPerPass: s.Filters.Count + 1);
        Device device = session.Device;
        IImageDataset dataset = session.Dataset;
        int n = session.Requested, size = s.Preprocess.InputSize, b = s.BatchSize;
        int slots = s.Filters.Count + 1;
        int forwardBatch = b * Math.Min(slots, ForwardBatching.SettingsPerForward(b, size, device));

        double Median(Func<double> measure)
        {
            measure(); // warm-up
            double[] runs = Enumerable.Range(0, request.Repeats).Select(_ => measure()).OrderBy(v => v).ToArray();
            return runs[runs.Length / 2];
        }

        bool Wanted(BenchStages stage) => request.Stages.HasFlag(stage);
        double? decode = !Wanted(BenchStages.Decode) ? null : Median(() =>
        {
            var clock = Stopwatch.StartNew();
            int count = 0;
            foreach (ImageBatch batch in new BatchStream(dataset, n, b, s.Preprocess, s.Threads, s.OnBadImage).Read()) count += batch.Count;
            return count / clock.Elapsed.TotalSeconds;
        });
        if (decode is not null) log?.Invoke($"decode and preprocess: {decode:0} images/s");

        ImageBatch first = new BatchStream(dataset, Math.Min(b, n), b, s.Preprocess, s.Threads, s.OnBadImage).Read().First();
        using Tensor x = HostToDevice.Images(first, device);
        int batches = Math.Max(1, (n + b - 1) / b);
        using var bank = new SpectralFilterBank(s.Filters, size, size, device);
        double? filter = !Wanted(BenchStages.Filter) ? null : Median(() =>
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < batches; i++)
            {
                using var scope = NewDisposeScope();
                Tensor spectrum = bank.Transform(x);
                bank.EnergyKept(spectrum).cpu();
                bank.Filter(spectrum, 0, s.Filters.Count).sum().cpu(); // forces the work on asynchronous devices
            }
            return (double)batches * x.shape[0] * s.Filters.Count / clock.Elapsed.TotalSeconds;
        });
        if (filter is not null) log?.Invoke($"spectral filtering: {filter:0} image-radius pairs/s");

        Func<Tensor, Tensor> run = session.Forward;
        using Tensor packed = x.repeat(Math.Max(1, forwardBatch / (int)x.shape[0]), 1, 1, 1);
        int passes = Math.Max(1, (int)Math.Ceiling((double)n * slots / packed.shape[0]));
        double? forward = !Wanted(BenchStages.Forward) ? null : Median(() =>
        {
            using var guard = no_grad();
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < passes; i++)
            {
                using var scope = NewDisposeScope();
                run(packed).argmax(1).cpu();
            }
            return (double)passes * packed.shape[0] / clock.Elapsed.TotalSeconds;
        });
        if (forward is not null) log?.Invoke($"model forward: {forward:0} images/s at {packed.shape[0]} per pass");

        double? endToEnd = !Wanted(BenchStages.Sweep) ? null : Median(() =>
        {
            var clock = Stopwatch.StartNew();
            SweepSummary summary = SweepRunner.Run(s);
            return (double)summary.Metadata.Evaluated * slots / clock.Elapsed.TotalSeconds;
        });
        if (endToEnd is not null) log?.Invoke($"end to end: {endToEnd:0} image-settings/s");
        return new BenchResult(s.ModelLabel, s.Precision, TorchBackend.Describe(device), dataset.Name, size, s.Filters.Count, n, b, (int)packed.shape[0],
            s.Threads, decode, filter, forward, endToEnd);
    }
}
