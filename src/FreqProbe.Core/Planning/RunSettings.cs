using System.Globalization;
using FreqProbe.Core.Datasets;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Models;
using FreqProbe.Core.Execution;

namespace FreqProbe.Core.Planning;

/// <summary>
/// The one table of settings an evaluating run takes. The command line makes its options from it, a sweep config
/// accepts its names as keys, and the checkpoint fingerprint and the shard-merge check both iterate its
/// <see cref="Setting.Identity"/> functions, so that the four cannot drift apart.
/// </summary>
public static class RunSettings
{
    static string Text(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";
    // Shape, profile, radii and bands are all recorded in one place, the filter list; sharing this one function makes
    // them one recorded value (see Recorded).
    static string FilterList(RunMetadata m) => m.Filters;

    static string Text(IReadOnlyList<float> values) =>
        values.Count == 0 ? "none" : string.Join(',', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    // Input size, crop and interpolation are all recorded in the preprocessing description: one recorded value.
    static string Preprocessing(RunMetadata m) => $"{m.InputSize}: {m.Preprocess}";

    /// <summary>--model.</summary>
    public static readonly Setting Model = new("model", SettingKind.Text, SettingGroup.Model,
        $"Model from the registry: {string.Join(", ", ModelRegistry.Names)}. Alone it means the model's standard pretrained weights and its own " +
        "data (resnet18-152: torchvision IMAGENET1K_V1 on ImageNet, downloaded into the cache on first use). Optional when a model card " +
        "(NAME.card.json, written by `freqprobe train` or scripts/export_model.py) sits beside --weights, and for a TorchScript archive or an ONNX " +
        "model, which are recognised by their contents.")
    {
        Example = "cifar-resnet20",
        Identity = m => m.Model,
    };

    /// <summary>--weights.</summary>
    public static readonly Setting Weights = new("weights", SettingKind.Weights, SettingGroup.Model,
        "State dict: PyTorch .pth/.pt (also checkpoints with 'state_dict'/'model', 'module.' prefixes), .safetensors, or TorchSharp .dat; loading is strict. " +
        "A TorchScript archive (torch.jit.save, traced or scripted; told apart by its zip layout, not its extension) or an ONNX model (torch.onnx.export, " +
        "tf2onnx, Optimum; run by ONNX Runtime) is the whole model: its data config " +
        "comes from NAME.card.json beside it and the options below. " +
        "builtin:synthetic names the shipped model; torchvision (the default for resnet18-152) or torchvision-v2 the torchvision ImageNet weights for --model, " +
        "taken from the cache and downloaded into it when missing (not with --offline); random runs on random weights (a smoke test only; the results say so).")
    {
        Example = "builtin:synthetic",
        Identity = m => m.WeightsSha256 ?? "random",
    };

    /// <summary>--dataset.</summary>
    public static readonly Setting Dataset = new("dataset", SettingKind.Text, SettingGroup.Data,
        "Dataset: " + string.Join("; ", DatasetRegistry.Names.Select(n => $"{n} = {DatasetRegistry.Describe(n)}")) +
        ". Default: the model card's training dataset, else the model's own (imagenet for resnet18-152, cifar10 for cifar-*).")
    {
        Example = "synthetic",
        Identity = m => m.Dataset,
    };

    /// <summary>--data.</summary>
    public static readonly Setting Data = new("data", SettingKind.Path, SettingGroup.Data,
        "Dataset folder. Defaults: cifar10, the cached copy from `freqprobe fetch cifar10`; imagenet, $FREQPROBE_HOME/datasets/imagenet/val, " +
        "where `freqprobe prepare imagenet-val` writes without --out.")
    {
        Example = ".",
        Identity = m => $"{m.DataSource} ({m.DatasetCount} images)",
    };

    /// <summary>--split.</summary>
    public static readonly Setting Split = new("split", SettingKind.Choice, SettingGroup.Data, "CIFAR-10 and synthetic split: test or train.")
    {
        Choices = new[] { "test", "train" },
        Default = "test",
        Example = "test",
        Identity = m => m.Split,
    };

    /// <summary>--classes.</summary>
    public static readonly Setting Classes = new("classes", SettingKind.Path, SettingGroup.Data,
        "Class list for imagefolder/imagenet: one folder name per line, optionally followed by a display name; line number = label.")
    {
        Example = "classes.txt",
        Identity = m => string.Join(',', m.ClassNames),
    };

    /// <summary>--num-classes.</summary>
    public static readonly Setting NumClasses = new("num-classes", SettingKind.Count, SettingGroup.Model,
        "Model outputs (default: the model card's, else the dataset's class count).")
    {
        Example = "10",
        Identity = m => Text(m.NumClasses),
    };

    /// <summary>--mean.</summary>
    public static readonly Setting Mean = new("mean", SettingKind.Triple, SettingGroup.Data,
        "Normalisation mean, 'r,g,b' in [0,1] units, or none (with --std none) for a model that normalises inside its forward pass and takes [0,1] " +
        "images, as RobustBench's do (default: the model card's, else the model's).")
    {
        Example = "0.5,0.5,0.5",
        Identity = m => Text(m.Mean),
    };

    /// <summary>--std.</summary>
    public static readonly Setting Std = new("std", SettingKind.Triple, SettingGroup.Data,
        "Normalisation std, 'r,g,b' in [0,1] units, or none (default: the model card's, else the model's).")
    {
        Example = "0.25,0.25,0.25",
        Identity = m => Text(m.Std),
    };

    /// <summary>--input-size.</summary>
    public static readonly Setting InputSize = new("input-size", SettingKind.Count, SettingGroup.Data,
        "Model-input side in pixels (default: the model card's, else the model's). Models that resize and centre-crop keep their crop ratio " +
        "(ImageNet models: shorter side to size/0.875).")
    {
        Example = "32",
        Identity = Preprocessing,
    };

    /// <summary>--crop-pct.</summary>
    public static readonly Setting CropPct = new("crop-pct", SettingKind.Number, SettingGroup.Data,
        "Resize the shorter side to floor(input size / crop-pct) and centre-crop, as timm's crop_pct (0.875: 256 for 224; 1: no margin) " +
        "(default: the model card's resize, else the model's).")
    {
        Example = "0.875",
        Identity = Preprocessing,
    };

    /// <summary>--interpolation.</summary>
    public static readonly Setting Interpolation = new("interpolation", SettingKind.Choice, SettingGroup.Data,
        "Resize filter, antialiased: bilinear (PIL BILINEAR, torchvision's) or bicubic (PIL BICUBIC, timm's usual) (default: the model card's, else bilinear).")
    {
        Choices = new[] { "bilinear", "bicubic" },
        Example = "bicubic",
        Identity = Preprocessing,
    };

    /// <summary>--max-image-pixels.</summary>
    public static readonly Setting MaxImagePixels = new("max-image-pixels", SettingKind.Count, SettingGroup.Data,
        "Refuse image files whose header declares more pixels than this, before decoding them (a decompression-bomb guard, as PIL's MAX_IMAGE_PIXELS).")
    {
        Default = Datasets.ImageFileCheck.DefaultMaxPixels.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Example = "1000000",
    };

    /// <summary>--decoded-cache.</summary>
    public static readonly Setting DecodedCache = new("decoded-cache", SettingKind.Path, SettingGroup.Data,
        "Keep decoded, resized and cropped inputs in this folder (memory-mapped, keyed by the data folder's fingerprint and the preprocessing) " +
        "so that later runs on the same images skip decoding; results are identical with and without it. A stale or damaged cache is rebuilt.")
    {
        Example = "inputs-cache",
    };

    /// <summary>--allow-nonfinite.</summary>
    public static readonly Setting AllowNonfinite = new("allow-nonfinite", SettingKind.Flag, SettingGroup.Model,
        "Evaluate weights that hold NaN or infinite values (by default they are refused, naming the first such tensor).")
    {
        Example = "true",
    };

    /// <summary>--shape.</summary>
    public static readonly Setting Shape = new("shape", SettingKind.Choice, SettingGroup.Filters,
        "Distance: circle = sqrt(u^2+v^2) (default), square = max(|u|,|v|).")
    {
        Choices = new[] { "circle", "square" },
        Default = "circle",
        Example = "square",
        Identity = FilterList,
    };

    /// <summary>--profile.</summary>
    public static readonly Setting Profile = new("profile", SettingKind.Choice, SettingGroup.Filters,
        "Mask profile: ideal = hard 0/1 (default); gaussian = exp(-d^2/(2r^2)) low-pass, its complement for high-pass.")
    {
        Choices = new[] { "ideal", "gaussian" },
        Default = "ideal",
        Example = "gaussian",
        Identity = FilterList,
    };

    /// <summary>--radii.</summary>
    public static readonly Setting Radii = new("radii", SettingKind.Radii, SettingGroup.Filters,
        "Radii in cycles per image, e.g. 4..28:4 or 2,4,8 (default: 2..16:2 for inputs up to 64 pixels, 4..32:4 above).")
    {
        Example = "2,4",
        Identity = FilterList,
    };

    /// <summary>--bands.</summary>
    public static readonly Setting Bands = new("bands", SettingKind.Bands, SettingGroup.Filters,
        "Bands r1-r2 in cycles per image (keep r1 <= d < r2), e.g. 0-4,4-8,8-16.")
    {
        Example = "0-4,4-8",
        Identity = FilterList,
    };

    /// <summary>--clip.</summary>
    public static readonly Setting Clip = new("clip", SettingKind.Flag, SettingGroup.Filters,
        "Clamp filtered images to [0,1] before normalisation (default: off; HFC feeds them as they are).")
    {
        Example = "true",
        Identity = m => m.Clip ? "clip" : "",
    };

    /// <summary>--batch-size.</summary>
    public static readonly Setting BatchSize = new("batch-size", SettingKind.Count, SettingGroup.Execution,
        "Images per batch (default 64 for inputs up to 64 pixels, 16 for larger). Results do not depend on it.")
    {
        Example = "16",
    };

    /// <summary>--threads.</summary>
    public static readonly Setting Threads = new("threads", SettingKind.Count, SettingGroup.Execution,
        "CPU threads for decoding and libtorch (default: all cores). Results do not depend on it.")
    {
        Example = "1",
    };

    /// <summary>--device.</summary>
    public static readonly Setting Device = new("device", SettingKind.Choice, SettingGroup.Execution, "auto (CUDA when available), cpu or cuda.")
    {
        Choices = Native.TorchBackend.DeviceChoices,
        Default = Native.TorchBackend.DeviceChoices[0],
        Example = "cpu",
    };

    /// <summary>--precision.</summary>
    public static readonly Setting Precision = new("precision", SettingKind.Choice, SettingGroup.Execution,
        "Forward-pass precision: fp32 (default), fp16 or bf16 (mainly for GPUs; the FFT stays fp32). See docs/gpu.md for its accuracy effect.")
    {
        Choices = InferencePrecision.Names,
        Default = InferencePrecision.Default,
        Example = "bf16",
        Identity = m => m.Precision,
    };

    /// <summary>--layout.</summary>
    public static readonly Setting Layout = new("layout", SettingKind.Choice, SettingGroup.Execution,
        "Memory layout of the forward pass: auto (the default: the fastest layout whose kernels verify on this machine, layer by layer), " +
        "nhwc (channels-last; an error naming the layer when a kernel does not verify) or nchw (channels-first). Every kernel a run uses is " +
        "first checked against a float64 reference in a child process, once per machine (see `freqprobe doctor`).")
    {
        Choices = Execution.ExecutionPlan.Layouts,
        Default = Execution.ExecutionPlan.AutoLayout,
        Example = "nchw",
        Identity = m => m.ExecutionPath ?? m.Layout,
    };

    /// <summary>--engine.</summary>
    public static readonly Setting Engine = new("engine", SettingKind.Choice, SettingGroup.Execution,
        "What runs the forward pass: auto (the default: ONNX Runtime for native ResNets on the CPU at fp32 with --layout auto, where its graph " +
        "verifies against libtorch on this machine, else libtorch), torch (libtorch, with --layout and --precision) or onnxruntime (ONNX " +
        "Runtime; an error where it cannot run the model). ONNX models always run in ONNX Runtime. Recorded in the execution path.")
    {
        Choices = Execution.Engines.Names,
        Default = Execution.Engines.Auto,
        Example = "torch",
    };

    /// <summary>--limit.</summary>
    public static readonly Setting Limit = new("limit", SettingKind.Count, SettingGroup.Execution, "Evaluate only the first N images in dataset order.")
    {
        Example = "8",
        Identity = m => Text(m.Limit),
    };

    /// <summary>--shard.</summary>
    public static readonly Setting Shard = new("shard", SettingKind.Shard, SettingGroup.Execution,
        "Evaluate only shard K/N: the images with index i = K (mod N), after --limit. `freqprobe merge` combines the shards' JSON results exactly. " +
        "auto takes K/N from the scheduler: a Slurm array task (SLURM_ARRAY_TASK_ID within the array's bounds) or a Kubernetes Indexed Job " +
        "(JOB_COMPLETION_INDEX; give the total as auto/N). auto/ARRAY names the whole array as first submitted (auto/0-15, auto/1-16, " +
        "auto/0-30:2), so that a re-run of one task computes the same shard; a lone task without it is refused. See README, \"Running on a cluster\".")
    {
        Example = "0/2",
        Identity = m => m.Shard ?? "",
        SameInEveryShard = false,
    };

    /// <summary>--seed.</summary>
    public static readonly Setting Seed = new("seed", SettingKind.Seed, SettingGroup.Execution, "Seed for random weights and generated data.")
    {
        Default = "0",
        Example = "7",
        Identity = m => m.Seed.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>--on-bad-image.</summary>
    public static readonly Setting OnBadImage = new("on-bad-image", SettingKind.Choice, SettingGroup.Execution,
        "fail (default): stop at an undecodable image, naming it; skip: leave it out and count it in the results.")
    {
        Choices = new[] { "fail", "skip" },
        Default = "fail",
        Example = "skip",
    };

    /// <summary>--per-class.</summary>
    public static readonly Setting PerClass = new("per-class", SettingKind.Flag, SettingGroup.Output,
        "Add per-class top-1 (columns top1_class_K; per_class in JSON) to every output.")
    {
        Example = "true",
        Identity = m => m.PerClass ? "per-class" : "",
    };

    /// <summary>--checkpoint-every.</summary>
    public static readonly Setting CheckpointEvery = new("checkpoint-every", SettingKind.Number, SettingGroup.Execution,
        "Seconds between checkpoints of an unfinished run (with --out).")
    {
        Default = RunRequest.DefaultCheckpointSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Example = "5",
    };

    /// <summary>--forward-timeout.</summary>
    public static readonly Setting ForwardTimeout = new("forward-timeout", SettingKind.Number, SettingGroup.Execution,
        "Seconds one forward pass of the model may take before the run ends with exit 2 (a scripted loop that never returns, or a model far " +
        "too slow for the device); 0 for no limit. Default: 600 for the first pass, then 20 times the slowest pass so far (at least 600).")
    {
        Example = "120",
    };

    /// <summary>--out.</summary>
    public static readonly Setting Out = new("out", SettingKind.Path, SettingGroup.Output,
        "Results file; format from the extension: .csv, .json or .md. JSON carries full provenance. Written atomically.")
    {
        Example = "r.json",
        NotInConfig = "a config's results go to OUT_DIR/NAME.json (plus the run's \"formats\"); set the folder with \"out_dir\" or --out-dir",
    };

    /// <summary>--predictions.</summary>
    public static readonly Setting Predictions = new("predictions", SettingKind.Path, SettingGroup.Output,
        "Per-image CSV: index,label,filter,radius,pred,prob (prob = softmax probability of pred, float32). Written atomically. " +
        "pred is the same for any --batch-size and --threads; prob can differ in the 6th decimal between them (libtorch picks other kernels).")
    {
        Example = "p.csv",
        NotInConfig = "set \"predictions\": true in the run; the file is OUT_DIR/NAME.predictions.csv",
    };

    /// <summary>--resume.</summary>
    public static readonly Setting Resume = new("resume", SettingKind.Flag, SettingGroup.Output,
        "Continue an interrupted run from OUT.checkpoint.json (written every --checkpoint-every seconds and on Ctrl-C beside --out); the results equal an uninterrupted run's.")
    {
        Example = "true",
        NotInConfig = "pass --resume to `freqprobe sweep`",
    };

    /// <summary>--offline.</summary>
    public static readonly Setting Offline = new("offline", SettingKind.Flag, SettingGroup.Model,
        "Never download: weights missing from the cache are an error naming the file to place there (also FREQPROBE_OFFLINE=1).")
    {
        Example = "true",
        NotInConfig = "pass --offline to `freqprobe sweep` or set FREQPROBE_OFFLINE=1",
    };

    /// <summary>--quiet.</summary>
    public static readonly Setting Quiet = new("quiet", SettingKind.Flag, SettingGroup.Output,
        "No progress bar and no table on stdout; warnings and errors still go to stderr.")
    {
        Example = "true",
        Alias = "-q",
        NotInConfig = "pass --quiet to `freqprobe sweep`",
    };

    /// <summary>Every setting, in help order.</summary>
    public static IReadOnlyList<Setting> All { get; } = new[]
    {
        Model, Weights, AllowNonfinite, Dataset, Data, Split, Classes, MaxImagePixels, DecodedCache, NumClasses, Mean, Std, InputSize, CropPct, Interpolation, Shape, Profile, Radii, Bands, Clip,
        BatchSize, Threads, Device, Precision, Layout, Engine, Limit, Shard, Seed, OnBadImage, PerClass, CheckpointEvery, ForwardTimeout, Out, Predictions, Resume, Offline, Quiet,
    };

    /// <summary>
    /// The run settings an analysis (heat map, interactions) takes besides its own: every one except the filters and
    /// the filter run's outputs (an analysis has its own --out), with --resume and --checkpoint-every.
    /// </summary>
    public static IReadOnlyList<Setting> ForAnalyses { get; } = All.Except(new[]
    {
        Out, Predictions, Shape, Profile, Clip, PerClass, Radii, Bands,
    }).ToArray();

    /// <summary>The setting called <paramref name="name"/> (a long name, dashes or underscores), or null.</summary>
    public static Setting? Find(string name) => All.FirstOrDefault(s => s.Name == name.Replace('_', '-'));

    /// <summary>
    /// What a run's provenance records of the settings that change the numbers, one entry per identity function: the
    /// settings recorded together (shape, profile, radii and bands, in the filter list) form one entry.
    /// </summary>
    /// <param name="m">The run's provenance.</param>
    /// <param name="analysis">An analysis's own settings, recorded in <see cref="RunMetadata.Parameters"/> (none for filter runs).</param>
    public static IReadOnlyList<RecordedValue> Recorded(RunMetadata m, IEnumerable<Setting>? analysis = null) =>
        All.Concat(analysis ?? Array.Empty<Setting>()).Where(s => s.ChangesNumbers).GroupBy(s => s.Identity).Select(g => new RecordedValue(g.ToArray(), g.Key!(m))).ToArray();

    /// <summary>
    /// The fingerprint of a run: every setting that changes the numbers, as recorded in <paramref name="m"/>. A checkpoint
    /// carries it, and a resume whose fingerprint differs is refused.
    /// </summary>
    public static string Fingerprint(RunMetadata m) => string.Join(" | ", Recorded(m).Select(r => $"{r.Names}={r.Value}"));

    /// <summary>Where two shards' provenance differs in settings that must be the same in every shard: (settings, this, first).</summary>
    public static IEnumerable<(RecordedValue Other, string First)> ShardDifferences(RunMetadata first, RunMetadata other, IEnumerable<Setting>? analysis = null) =>
        Recorded(other, analysis).Zip(Recorded(first, analysis), (o, f) => (Other: o, First: f.Value))
            .Where(d => d.Other.Settings.All(s => s.SameInEveryShard) && d.Other.Value != d.First);
}

/// <summary>One value a run's provenance records, and the settings it records.</summary>
public sealed record RecordedValue(IReadOnlyList<Setting> Settings, string Value)
{
    /// <summary>The settings' names, e.g. "shape/profile/radii/bands".</summary>
    public string Names => string.Join("/", Settings.Select(s => s.Name));
}
