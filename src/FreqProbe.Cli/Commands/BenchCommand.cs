using System.CommandLine;
using System.Globalization;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.IO;
using FreqProbe.Core.Planning;
using FreqProbe.Core.Results;

namespace FreqProbe.Cli.Commands;

/// <summary>`freqprobe bench`: throughput of each stage of a sweep and the efficiency of the whole.</summary>
internal static class BenchCommand
{

    public static Command Create(CommandContext context)
    {
        var options = new SettingOptions(new[] { RunSettings.Model, RunSettings.Weights, RunSettings.Dataset, RunSettings.Data, RunSettings.Split, RunSettings.Classes, RunSettings.MaxImagePixels, RunSettings.DecodedCache,
            RunSettings.NumClasses, RunSettings.Mean, RunSettings.Std, RunSettings.InputSize, RunSettings.CropPct, RunSettings.Interpolation, RunSettings.Radii, RunSettings.BatchSize, RunSettings.Threads, RunSettings.Device, RunSettings.Precision,
            RunSettings.Layout, RunSettings.Engine, RunSettings.Seed, RunSettings.Offline });
        var images = new Option<int>("--images") { Description = "Images per measurement.", DefaultValueFactory = _ => 512 };
        var repeats = new Option<int>("--repeats") { Description = "Timed repeats per stage (after one warm-up); the median is reported.", DefaultValueFactory = _ => 3 };
        var output = new Option<string?>("--out") { Description = "Also write the numbers as JSON." };
        var stages = new Option<string>("--stages")
        {
            Description = "Stages to measure, comma-separated: decode, filter, forward, sweep (e.g. --stages decode to time the data pipeline alone); the others print '-'.",
            DefaultValueFactory = _ => "decode,filter,forward,sweep",
        };
        var command = new Command("bench",
            "Measure each stage of a sweep on the current device, in one process, with a warm-up and the median of --repeats:\n" +
            "  decode     images/s decoded and preprocessed (parallel, as in a sweep)\n" +
            "  filter     image-radius pairs/s: one rfft2 per image, every mask, irfft2 and the energy kept\n" +
            "  forward    images/s through the model on pre-made tensors, at the sweep's forward batch\n" +
            "  sweep      image-settings/s of the whole sweep (radii + 1 settings per image)\n" +
            "and the efficiency = sweep / forward: 1.0 means the sweep runs at the speed of the model.\n" +
            "With --decoded-cache DIR, decode and sweep read the cached model inputs (built on first use) instead of decoding.\n\n" +
            "Examples:\n  freqprobe bench                                             (built-in model, synthetic data)\n" +
            "  freqprobe bench --weights models/cifar-resnet20-natural/cifar-resnet20-natural.safetensors --data ../shared/data/cifar10\n" +
            "  freqprobe bench --model resnet50 --dataset imagenet --data ../shared/data/imagenet-sample/val --images 100 --precision bf16");
        options.AddTo(command);
        foreach (Option option in new Option[] { images, repeats, output, stages }) command.Options.Add(option);
        command.SetAction(parsed =>
        {
            Resolution resolution = RunResolver.Resolve(options.Bind(parsed), RunKind.LowPass, context.Resolver);
            var problems = resolution.Problems.Select(p => p.ForCommandLine()).ToList();
            RunRequest? sweep = resolution.Request;
            int count = parsed.GetValue(images), times = parsed.GetValue(repeats);
            if (count < 1) problems.Add($"--images: {count} must be at least 1.");
            if (times is < 1 or > 50) problems.Add($"--repeats: {times} must be 1 to 50.");
            BenchStages chosen = 0;
            foreach (string stage in parsed.GetValue(stages)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (stage.All(char.IsLetter) && Enum.TryParse(stage, ignoreCase: true, out BenchStages one) && one != BenchStages.All) chosen |= one;
                else problems.Add($"--stages: '{stage}' is not a stage; expected decode, filter, forward or sweep, comma-separated.");
            }
            if (chosen == 0 && problems.Count == 0) problems.Add("--stages: no stage given; expected decode, filter, forward or sweep, comma-separated.");
            string? outPath = parsed.GetValue(output);
            if (outPath is not null && AtomicFile.CheckWritable(outPath) is { } why) problems.Add($"--out: cannot write '{outPath}': {why}.");
            if (problems.Count > 0 || sweep is null)
            {
                foreach (string problem in problems) context.Error.WriteLine($"freqprobe: error: {problem}");
                return ExitCodes.InputError;
            }
            if (resolution.Download is { } download) WeightsDownloads.Ensure(context, download, quiet: false);
            var request = new BenchRequest(sweep, count, times, chosen);
            BenchResult r = Benchmark.Run(request, message => context.Error.WriteLine($"freqprobe bench: {message}"));
            context.Table.WriteLine("model            precision  device                     radii  batch  fwd batch  decode img/s  filter img*r/s  forward img/s  sweep img*s/s  efficiency");
            context.Table.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Model,-16} {r.Precision,-10} {Trim(r.Device, 26),-26} {r.Radii,5}  {r.BatchSize,5}  {r.ForwardBatch,9}  {Rate(r.DecodePerSecond),12}  {Rate(r.FilterPerSecond),14}  {Rate(r.ForwardPerSecond),13}  {Rate(r.EndToEndPerSecond),13}  {(r.Efficiency is { } e ? e.ToString("0.000", CultureInfo.InvariantCulture) : "-"),10}"));
            if (outPath is not null)
            {
                AtomicFile.Write(outPath, stream => Benchmark.WriteFile(stream, r, context.CommandLine));
            }
            return ExitCodes.Success;
        });
        return command;
    }

    static string Rate(double? value) => value is { } v ? v.ToString("0", CultureInfo.InvariantCulture) : "-";

    static string Trim(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "~";
}
