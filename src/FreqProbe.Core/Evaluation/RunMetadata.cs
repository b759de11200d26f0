using FreqProbe.Core.Execution;

namespace FreqProbe.Core.Evaluation;

/// <summary>Provenance recorded with every result: what ran, on what, with which choices, and when.</summary>
public sealed record RunMetadata
{
    /// <summary>The command line as typed.</summary>
    public required string Command { get; init; }
    /// <summary>Registry model name.</summary>
    public required string Model { get; init; }
    /// <summary>Weights file path, or null for random weights.</summary>
    public string? WeightsPath { get; init; }
    /// <summary>SHA-256 of the weights file, or null for random weights.</summary>
    public string? WeightsSha256 { get; init; }
    /// <summary>True when the model ran on random weights.</summary>
    public bool RandomWeights => WeightsPath is null;
    /// <summary>How the user named the weights (a path, or builtin:NAME).</summary>
    public string? WeightsName { get; init; }
    /// <summary>Dataset class names by label.</summary>
    public IReadOnlyList<string> ClassNames { get; init; } = Array.Empty<string>();
    /// <summary>Whether per-class top-1 is written.</summary>
    public bool PerClass { get; init; }
    /// <summary>Number of model outputs.</summary>
    public required int NumClasses { get; init; }
    /// <summary>Dataset registry name.</summary>
    public required string Dataset { get; init; }
    /// <summary>Dataset path or description.</summary>
    public required string DataSource { get; init; }
    /// <summary>Split, where the dataset has one.</summary>
    public required string Split { get; init; }
    /// <summary>Images in the dataset (or split).</summary>
    public required int DatasetCount { get; init; }
    /// <summary>Images attempted: the dataset count or the limit.</summary>
    public required int Requested { get; init; }
    /// <summary>The --limit in force, if any.</summary>
    public int? Limit { get; init; }
    /// <summary>The shard evaluated ("K/N"), or null for the whole (limited) dataset.</summary>
    public string? Shard { get; init; }
    /// <summary>The scheduler task that named the shard with --shard auto (Slurm job and array task, Kubernetes index); for a merge, every shard's.</summary>
    public string? Scheduler { get; init; }
    /// <summary>Images evaluated (requested minus skipped).</summary>
    public required int Evaluated { get; init; }
    /// <summary>Images skipped as undecodable.</summary>
    public required int Skipped { get; init; }
    /// <summary>Preprocessing, in words.</summary>
    public required string Preprocess { get; init; }
    /// <summary>Model input side in pixels.</summary>
    public required int InputSize { get; init; }
    /// <summary>Normalisation mean.</summary>
    public required IReadOnlyList<float> Mean { get; init; }
    /// <summary>Normalisation std.</summary>
    public required IReadOnlyList<float> Std { get; init; }
    /// <summary>The filter convention, in words.</summary>
    public required string FilterConvention { get; init; }
    /// <summary>The filter settings after the baseline, in order, in words ("" for runs without filters).</summary>
    public string Filters { get; init; } = "";
    /// <summary>Whether filtered images were clamped to [0, 1].</summary>
    public required bool Clip { get; init; }
    /// <summary>Device used, e.g. cpu or cuda:0 (name).</summary>
    public required string Device { get; init; }
    /// <summary>CPU threads.</summary>
    public required int Threads { get; init; }
    /// <summary>Images per data batch.</summary>
    public required int BatchSize { get; init; }
    /// <summary>Seed.</summary>
    public required ulong Seed { get; init; }
    /// <summary>FreqProbe, TorchSharp and libtorch versions.</summary>
    public required IReadOnlyDictionary<string, string> Versions { get; init; }

    /// <summary>Inference precision of the forward pass (fp32, fp16 or bf16).</summary>
    public string Precision { get; init; } = InferencePrecision.Default;

    /// <summary>Memory layout of the forward pass (nhwc or nchw); results written before it was recorded used nchw.</summary>
    public string Layout { get; init; } = "nchw";

    /// <summary>
    /// The verified execution path (<see cref="Execution.ExecutionPlan.Path"/>), e.g. <c>cpu fp32 nhwc; 1x1 as matrix
    /// products: 3</c>; null in results written before it was recorded.
    /// </summary>
    public string? ExecutionPath { get; init; }

    /// <summary>The verification key of that path (<see cref="Execution.ExecutionPlan.VerificationKey"/>), or null.</summary>
    public string? Verification { get; init; }
    /// <summary>
    /// An analysis's own settings as its result file records them (a heat map's eps and max-freq), by setting name: what
    /// the identity of an analysis setting reads (<see cref="Planning.Setting.RecordedParameter"/>). The analysis's file
    /// keeps them in its own fields, not in "run"; its reader puts them back here.
    /// </summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = NoParameters;

    static readonly IReadOnlyDictionary<string, string> NoParameters = new Dictionary<string, string>();

    /// <summary>Start time, UTC.</summary>
    public required DateTimeOffset StartedUtc { get; init; }
    /// <summary>End time, UTC.</summary>
    public required DateTimeOffset FinishedUtc { get; init; }

    /// <summary>
    /// The provenance of a run of <paramref name="request"/> on <paramref name="dataset"/>, finished now; the caller sets
    /// what is specific to its kind of run (per-class output) with a <c>with</c> expression.
    /// </summary>
    public static RunMetadata For(RunRequest request, Datasets.IImageDataset dataset, string? weightsSha, int classes, int requested,
        int evaluated, int skipped, string convention, bool clip, string device, DateTimeOffset started) => new()
    {
        Command = request.CommandLine,
        Model = request.ModelLabel,
        WeightsPath = request.WeightsPath,
        WeightsSha256 = weightsSha,
        WeightsName = request.WeightsName,
        NumClasses = classes,
        ClassNames = dataset.ClassNames,
        Dataset = dataset.Name,
        DataSource = dataset.Source,
        Split = dataset.Split,
        DatasetCount = dataset.Count,
        Requested = requested,
        Limit = request.Limit,
        Shard = request.Shard?.ToString(),
        Scheduler = request.Shard?.Source,
        Evaluated = evaluated,
        Skipped = skipped,
        Preprocess = request.Preprocess.Describe(),
        InputSize = request.Preprocess.InputSize,
        Mean = request.Mean,
        Std = request.Std,
        FilterConvention = convention,
        Filters = string.Join(" ", request.Filters.Select(f => f.ToString())),
        Clip = clip,
        Device = device,
        Threads = request.Threads,
        BatchSize = request.BatchSize,
        Seed = request.Seed,
        Precision = request.Precision,
        Layout = request.Layout,
        Versions = Native.TorchBackend.Versions(),
        StartedUtc = started,
        FinishedUtc = DateTimeOffset.UtcNow,
    };
}
