using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FreqProbe.Core;
using FreqProbe.Core.Models;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Native;
using FreqProbe.Core.Planning;
using FreqProbe.Core.Results;
using FreqProbe.Core.Spectral;
using TorchSharp;

namespace FreqProbe.Cli.Commands;

/// <summary>`freqprobe kernels`: frequency responses of a model's convolution weights.</summary>
internal static class KernelsCommand
{
    public static Command Create(CommandContext context)
    {
        var options = new SettingOptions(new[] { RunSettings.Model, RunSettings.Weights, RunSettings.NumClasses, RunSettings.Offline });
        var layers = new Option<string?>("--layers") { Description = "Regular expression on layer paths, e.g. '^conv1$' or '^layer3\\.'; default all convolutions." };
        var size = new Option<int>("--size") { Description = "Zero-pad each kernel to NxN before the DFT.", DefaultValueFactory = _ => 32 };
        var bands = new Option<string>("--bands") { Description = "Band edges in units of Nyquist (f = distance from DC / (N/2)), increasing.", DefaultValueFactory = _ => "0.25,0.5" };
        var output = new Option<string?>("--out") { Description = "Results: .csv (one row per layer) or .json (with radial profiles and provenance)." };
        var pictures = new Option<string?>("--pictures") { Description = "Folder for PNGs: LAYER.png (grid of channel spectra) per layer, and radial-profiles.png." };
        var command = new Command("kernels",
            "Frequency responses of convolution kernels. Each 2-D kernel slice is zero-padded to NxN and transformed; per\n" +
            "layer FreqProbe reports the share of spectral energy in low/mid/high bands (f in units of Nyquist), the\n" +
            "diversity (mean pairwise cosine similarity of the output channels' RMS magnitude spectra: 1 = every channel\n" +
            "responds alike) and the effective rank of the stacked spectra (1 = a single response, up to the channel count).\n\n" +
            "Without --model and --weights: the built-in model; --model resnet50 alone: torchvision's ImageNet weights.\n\n" +
            "Examples:\n  freqprobe kernels                                   (the built-in model)\n  freqprobe kernels --model resnet50 --layers '^conv1$'\n" +
            "  freqprobe kernels --weights models/cifar-resnet20-natural/cifar-resnet20-natural.safetensors --out k.csv --pictures kernels/");
        options.AddTo(command);
        foreach (Option option in new Option[] { layers, size, bands, output, pictures }) command.Options.Add(option);
        command.SetAction(parsed =>
        {
            Resolution resolution = RunResolver.Resolve(options.Bind(parsed), RunKind.Evaluation, context.Resolver, RunNeeds.Weights);
            var problems = resolution.Problems.Select(p => p.ForCommandLine()).ToList();
            SweepRequest? request = resolution.Request;
            if (request is not null && request.WeightsPath is null) problems.Add($"--weights: {RunResolver.RandomWeights} has no kernels worth analysing; expected a weights file.");
            double[] edges = ParseEdges(parsed.GetValue(bands)!, problems);
            int n = parsed.GetValue(size);
            if (n is < 4 or > 512) problems.Add($"--size: {n} is out of range; expected 4 to 512.");
            string? outPath = parsed.GetValue(output);
            if (outPath is not null && !outPath.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) && !outPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
                problems.Add($"--out: '{outPath}' must end in .csv or .json.");
            else if (outPath is not null && AtomicFile.CheckWritable(outPath) is { } why) problems.Add($"--out: cannot write '{outPath}': {why}.");
            string? pictureFolder = parsed.GetValue(pictures);
            if (problems.Count > 0 || request?.WeightsPath is not { } weightsPath)
            {
                foreach (string problem in problems) context.Error.WriteLine($"freqprobe: error: {problem}");
                return ExitCodes.InputError;
            }

            if (resolution.Download is { } download) WeightsDownloads.Ensure(context, download, context.Quiet);
            ModelSpec spec = request.Model;
            string weightsName = request.WeightsName ?? weightsPath;
            // The weights as stored: on the CPU, not folded or converted for inference.
            using EvaluationSession session = EvaluationSession.Open(request, SessionParts.Weights);
            IReadOnlyList<LayerSpectrum> result = KernelSpectra.Analyse(session.Network, n, edges, parsed.GetValue(layers));
            if (result.Count == 0) throw new InputException($"--layers: '{parsed.GetValue(layers)}' matches no convolution of {spec.Name}.");

            context.Table.WriteLine($"{"layer",-22} {"out x in, k",-14} {string.Join(" ", KernelPictures.BandNames(edges).Select(b => $"{b,18}"))} {"diversity",10} {"eff. rank",10}");
            foreach (LayerSpectrum l in result)
            {
                context.Table.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{l.Layer,-22} {$"{l.OutChannels}x{l.InChannels}, {l.KernelHeight}x{l.KernelWidth}",-14} {string.Join(" ", l.BandEnergy.Select(e => $"{100 * e,17:0.0}%"))} {l.Diversity,10:0.000} {l.EffectiveRank,10:0.0}"));
            }
            if (outPath is not null)
            {
                AtomicFile.Write(outPath, stream =>
                {
                    if (outPath.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) KernelPictures.WriteCsv(result, edges, stream);
                    else WriteJson(stream, result, edges, n, spec.Name, weightsName, weightsPath, context.CommandLine);
                });
                context.Error.WriteLine($"freqprobe: results in {outPath}");
            }
            if (pictureFolder is not null)
            {
                Directory.CreateDirectory(pictureFolder);
                foreach (LayerSpectrum l in result) KernelPictures.SaveGrid(l, n, Path.Combine(pictureFolder, l.Layer + ".png"));
                KernelPictures.SaveRadialProfiles(result, n, Path.Combine(pictureFolder, "radial-profiles.png"),
                    $"Kernel radial power profiles: {spec.Name} ({Path.GetFileNameWithoutExtension(weightsPath)}), {n}x{n}");
                context.Error.WriteLine($"freqprobe: {result.Count} spectrum grids and radial-profiles.png in {pictureFolder}");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    static double[] ParseEdges(string text, List<string> problems)
    {
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var edges = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out edges[i]) || edges[i] <= 0 || (i > 0 && edges[i] <= edges[i - 1]))
            {
                problems.Add($"--bands: '{text}' is not increasing positive numbers; expected edges in units of Nyquist, e.g. 0.25,0.5.");
                return KernelSpectra.DefaultEdges.ToArray();
            }
        }
        return edges;
    }

    static void WriteJson(Stream stream, IReadOnlyList<LayerSpectrum> layers, double[] edges, int size, string model, string weightsName, string weightsPath, string command)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("format", "freqprobe-kernels/1");
        json.WriteString("command", command);
        json.WriteString("model", model);
        json.WriteString("weights", weightsName);
        json.WriteString("weights_path", weightsPath);
        json.WriteString("weights_sha256", WeightsFile.Sha256(weightsPath));
        json.WriteNumber("size", size);
        json.WriteString("frequency_unit", "f = distance from DC / (N/2); radial_profile[d] is the mean power at distance d (cycles per N samples) over the mean power of the grid");
        json.WriteStartArray("band_edges");
        foreach (double e in edges) json.WriteNumberValue(e);
        json.WriteEndArray();
        json.WriteStartObject("versions");
        foreach ((string key, string value) in TorchBackend.Versions()) json.WriteString(key, value);
        json.WriteEndObject();
        json.WriteString("created_utc", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        json.WriteStartArray("layers");
        string[] names = KernelPictures.BandNames(edges).ToArray();
        foreach (LayerSpectrum l in layers)
        {
            json.WriteStartObject();
            json.WriteString("layer", l.Layer);
            json.WriteNumber("out_channels", l.OutChannels);
            json.WriteNumber("in_channels", l.InChannels);
            json.WriteString("kernel", $"{l.KernelHeight}x{l.KernelWidth}");
            for (int b = 0; b < names.Length; b++) json.WriteNumber(names[b], l.BandEnergy[b]);
            json.WriteNumber("diversity", l.Diversity);
            json.WriteNumber("effective_rank", l.EffectiveRank);
            json.WriteStartArray("radial_profile");
            foreach (double v in l.RadialProfile) json.WriteNumberValue(v);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }
}
