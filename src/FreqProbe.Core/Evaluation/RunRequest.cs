using FreqProbe.Core.Datasets;
using FreqProbe.Core.Models;
using FreqProbe.Core.Spectral;
using FreqProbe.Core.Execution;

namespace FreqProbe.Core.Evaluation;

/// <summary>
/// Everything one run needs, decided once by the resolver: model and weights, data configuration, dataset, the
/// filters of a filter sweep (the unfiltered baseline is always added first; none for an analysis, which adds its own
/// request), and execution settings. Every analysis, training probes and bench evaluate through it.
/// </summary>
public sealed record RunRequest
{
    /// <summary>The architecture.</summary>
    public required ModelSpec Model { get; init; }

    /// <summary>
    /// The model as results name it: the registry name, or for a model whose file is the network (TorchScript)
    /// <c>torchscript:STEM</c> after the archive's file name, so that tables and regression gates tell models apart.
    /// </summary>
    public string ModelLabel => Model.IsArchive && WeightsPath is not null ? $"{Model.Name}:{Path.GetFileNameWithoutExtension(WeightsPath)}" : Model.Name;

    /// <summary>The weights file, or null for random weights.</summary>
    public string? WeightsPath { get; init; }

    /// <summary>How the user named the weights (a path, or builtin:NAME); null for random weights.</summary>
    public string? WeightsName { get; init; }

    /// <summary>Evaluate weights that hold NaN or infinite values instead of refusing them.</summary>
    public bool AllowNonfinite { get; init; }

    /// <summary>Write per-class top-1 in every output format.</summary>
    public bool PerClass { get; init; }

    /// <summary>True when <see cref="NumClasses"/> came from the model card beside the weights rather than --num-classes.</summary>
    public bool NumClassesFromCard { get; init; }

    /// <summary>Number of model outputs; null takes the dataset's class count.</summary>
    public int? NumClasses { get; init; }

    /// <summary>Resize/crop policy; the model's own unless overridden.</summary>
    public required PreprocessPolicy Preprocess { get; init; }

    /// <summary>Per-channel mean in [0,1] units.</summary>
    public required IReadOnlyList<float> Mean { get; init; }

    /// <summary>Per-channel standard deviation in [0,1] units.</summary>
    public required IReadOnlyList<float> Std { get; init; }

    /// <summary>Which dataset and where.</summary>
    public required DatasetOptions Dataset { get; init; }

    /// <summary>The filters to evaluate, in output order, without the baseline.</summary>
    public required IReadOnlyList<FrequencyFilter> Filters { get; init; }

    /// <summary>Clamp filtered images to [0, 1] before normalisation.</summary>
    public bool Clip { get; init; }

    /// <summary>Images per data batch.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>CPU threads for decoding and for libtorch's intra-op work.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>auto, cpu or cuda.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Evaluate only the first N images in dataset order; null for all.</summary>
    public int? Limit { get; init; }

    /// <summary>
    /// Evaluate exactly these dataset indices, in this order, instead of the first <see cref="Limit"/> (which must then be
    /// null); a shard takes every N-th of them. Training probes evaluate their seeded subset this way.
    /// </summary>
    public IReadOnlyList<int>? Indices { get; init; }

    /// <summary>Evaluate only this shard of the (limited) dataset; null for all of it.</summary>
    public ShardSpec? Shard { get; init; }

    /// <summary>Seed for random weights and anything else random.</summary>
    public ulong Seed { get; init; }

    /// <summary>Root folder of the decoded-input cache (<see cref="DecodedInputCache"/>); null to decode every image on every run.</summary>
    public string? DecodedCache { get; init; }

    /// <summary>FreqProbe's cache folder, where execution-path verdicts are kept; null for $FREQPROBE_HOME (else ~/.cache/freqprobe).</summary>
    public string? CacheRoot { get; init; }

    /// <summary>What to do with undecodable images.</summary>
    public BadImagePolicy OnBadImage { get; init; } = BadImagePolicy.Fail;

    /// <summary>Where to keep the checkpoint of an unfinished run (beside --out); null for none.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>
    /// How a checkpoint identifies the run from its provenance: the settings table's fingerprint, which the resolver
    /// sets (Planning.RunSettings.Fingerprint); a run with a <see cref="CheckpointPath"/> needs it.
    /// </summary>
    public Func<RunMetadata, string>? Fingerprint { get; init; }

    /// <summary>Continue from the checkpoint at <see cref="CheckpointPath"/>.</summary>
    public bool Resume { get; init; }

    /// <summary>Seconds between checkpoints.</summary>
    public double CheckpointSeconds { get; init; } = DefaultCheckpointSeconds;

    /// <summary>The default of <see cref="CheckpointSeconds"/> (--checkpoint-every).</summary>
    public const double DefaultCheckpointSeconds = 10;

    /// <summary>Seconds one forward pass may take (<see cref="ForwardWatchdog"/>); null for the default rule, 0 for no limit.</summary>
    public double? ForwardTimeoutSeconds { get; init; }

    /// <summary>Inference precision of the forward pass: fp32, fp16 or bf16 (the FFT and masks stay fp32).</summary>
    public string Precision { get; init; } = InferencePrecision.Default;

    /// <summary>
    /// Memory layout of the forward pass: auto (the default: the fastest verified layout, layer by layer), nhwc
    /// (channels-last) or nchw (<see cref="Execution.ExecutionPlan"/>).
    /// </summary>
    public string Layout { get; init; } = Execution.ExecutionPlan.AutoLayout;

    /// <summary>What runs the forward pass: auto, torch or onnxruntime (<see cref="Execution.Engines"/>).</summary>
    public string Engine { get; init; } = Execution.Engines.Auto;

    /// <summary>The command line as typed, for provenance.</summary>
    public string CommandLine { get; init; } = "";
}
