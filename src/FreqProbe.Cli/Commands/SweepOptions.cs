using System.CommandLine;
using FreqProbe.Core.Datasets;
using FreqProbe.Core.Models;
using FreqProbe.Core.Results;

namespace FreqProbe.Cli.Commands;

/// <summary>The options shared by lowpass, highpass and bandpass.</summary>
internal sealed class SweepOptions
{
    public Option<string?> Model { get; } = new("--model")
    {
        Description = $"Architecture from the registry: {string.Join(", ", ModelRegistry.Names)}. " +
            "Optional when a model card (NAME.card.json, written by `freqprobe train`) sits beside --weights.",
    };

    public Option<string?> Weights { get; } = new("--weights")
    {
        Description = "State dict: PyTorch .pth/.pt (also checkpoints with 'state_dict'/'model', 'module.' prefixes), .safetensors, or TorchSharp .dat. " +
            "Loading is strict. builtin:synthetic names the shipped model; torchvision (or torchvision-v2) the cached torchvision weights for --model (see `freqprobe fetch`). Without --weights (and with --dataset or --data) the model runs on RANDOM " +
            "weights (a smoke test only) and the results say so. With none of --weights, --dataset and --data: the built-in default, builtin:synthetic on the synthetic test split.",
    };

    public Option<string?> Dataset { get; } = new("--dataset")
    {
        Description = "Dataset: " + string.Join("; ", DatasetRegistry.Names.Select(n => $"{n} = {DatasetRegistry.Describe(n)}")) +
            ". Optional when the model card names the training dataset.",
    };

    public Option<string?> Data { get; } = new("--data") { Description = "Dataset folder. For cifar10 it defaults to the cached copy from `freqprobe fetch cifar10`." };

    public Option<string> Split { get; } = new("--split") { Description = "CIFAR-10 split: test or train.", DefaultValueFactory = _ => "test" };

    public Option<string?> Classes { get; } = new("--classes")
    {
        Description = "Class list for imagefolder/imagenet: one folder name per line, optionally followed by a display name; line number = label.",
    };

    public Option<int?> NumClasses { get; } = new("--num-classes") { Description = "Model outputs (default: the dataset's class count)." };

    public Option<string?> Mean { get; } = new("--mean") { Description = "Override the model's normalisation mean, 'r,g,b' in [0,1] units." };

    public Option<string?> Std { get; } = new("--std") { Description = "Override the model's normalisation std, 'r,g,b' in [0,1] units." };

    public Option<int?> InputSize { get; } = new("--input-size")
    {
        Description = "Override the model-input side in pixels. ImageNet models resize the shorter side to size/0.875 and centre-crop.",
    };

    public Option<string> Shape { get; } = new("--shape")
    {
        Description = "Distance: circle = sqrt(u^2+v^2) (default), square = max(|u|,|v|).",
        DefaultValueFactory = _ => "circle",
    };

    public Option<string> Profile { get; } = new("--profile")
    {
        Description = "Mask profile: ideal = hard 0/1 (default); gaussian = exp(-d^2/(2r^2)) low-pass, its complement for high-pass.",
        DefaultValueFactory = _ => "ideal",
    };

    public Option<bool> Clip { get; } = new("--clip") { Description = "Clamp filtered images to [0,1] before normalisation (default: off; HFC feeds them as they are)." };

    public Option<int?> BatchSize { get; } = new("--batch-size") { Description = "Images per batch (default 64 for 32x32 inputs, 16 for larger). Results do not depend on it." };

    public Option<int> Threads { get; } = new("--threads")
    {
        Description = "CPU threads for decoding and libtorch (default: all cores). Results do not depend on it.",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    public Option<string> Device { get; } = new("--device") { Description = "auto (CUDA when available), cpu or cuda.", DefaultValueFactory = _ => "auto" };

    public Option<string> Precision { get; } = new("--precision")
    {
        Description = "Forward-pass precision: fp32 (default), fp16 or bf16 (mainly for GPUs; the FFT stays fp32). See docs/gpu.md for its accuracy effect.",
        DefaultValueFactory = _ => "fp32",
    };

    public Option<string> Layout { get; } = new("--layout")
    {
        Description = "Memory layout of the forward pass: nhwc (channels-last, the default: faster convolutions) or nchw. Counts do not depend on it.",
        DefaultValueFactory = _ => "nhwc",
    };

    public Option<int?> Limit { get; } = new("--limit") { Description = "Evaluate only the first N images in dataset order." };

    public Option<string?> Shard { get; } = new("--shard")
    {
        Description = "Evaluate only shard K/N: the images with index i = K (mod N), after --limit. `freqprobe merge` combines the shards' JSON results exactly.",
    };

    public Option<ulong> Seed { get; } = new("--seed") { Description = "Seed for random weights and generated data.", DefaultValueFactory = _ => 0UL };

    public Option<string> OnBadImage { get; } = new("--on-bad-image")
    {
        Description = "fail (default): stop at an undecodable image, naming it; skip: leave it out and count it in the results.",
        DefaultValueFactory = _ => "fail",
    };

    public Option<string?> Out { get; } = new("--out")
    {
        Description = $"Results file; format from the extension: {string.Join(", ", ResultWriterRegistry.Extensions)}. JSON carries full provenance. Written atomically.",
    };

    public Option<string?> Predictions { get; } = new("--predictions")
    {
        Description = "Per-image CSV: index,label,filter,radius,pred,prob (prob = softmax probability of pred, float32). Written atomically. " +
            "pred is the same for any --batch-size and --threads; prob can differ in the 6th decimal between them (libtorch picks other kernels).",
    };

    public Option<bool> Resume { get; } = new("--resume")
    {
        Description = "Continue an interrupted run from OUT.checkpoint.json (written every 10 s and on Ctrl-C beside --out); the results equal an uninterrupted run's.",
    };

    public Option<double> CheckpointEvery { get; } = new("--checkpoint-every")
    {
        Description = "Seconds between checkpoints of an unfinished run (with --out).",
        DefaultValueFactory = _ => 10.0,
    };

    public Option<bool> PerClass { get; } = new("--per-class") { Description = "Add per-class top-1 (columns top1_class_K; per_class in JSON) to every output." };

    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "No progress bar and no table on stdout; warnings and errors still go to stderr." };

    public SweepOptions()
    {
        Shape.AcceptOnlyFromAmong("circle", "square");
        Profile.AcceptOnlyFromAmong("ideal", "gaussian");
        Device.AcceptOnlyFromAmong("auto", "cpu", "cuda");
        OnBadImage.AcceptOnlyFromAmong("fail", "skip");
        Split.AcceptOnlyFromAmong("test", "train");
        Precision.AcceptOnlyFromAmong("fp32", "fp16", "bf16");
        Layout.AcceptOnlyFromAmong("nhwc", "nchw");
    }

    public IEnumerable<Option> All => new Option[]
    {
        Model, Weights, Dataset, Data, Split, Classes, NumClasses, Mean, Std, InputSize, Shape, Profile, Clip,
        BatchSize, Threads, Device, Precision, Layout, Limit, Shard, Seed, OnBadImage, Out, Predictions, Resume, CheckpointEvery, PerClass, Quiet,
    };
}
