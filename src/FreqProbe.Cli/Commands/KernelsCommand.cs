using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FreqProbe.Core;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.IO;
using FreqProbe.Core.Kernels;
using FreqProbe.Core.Models;
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
        var options = new SettingOptions(new[] { RunSettings.Model, RunSettings.Weights, RunSettings.NumClasses, RunSettings.Offline }.Concat(KernelSettings.All));
        var output = new Option<string?>("--out") { Description = "Results: .csv (one row per layer) or .json (with radial profiles and provenance)." };
        var command = new Command("kernels",
            "Frequency responses of convolution kernels. Each 2-D kernel slice is zero-padded to NxN and transformed; per\n" +
            "layer FreqProbe reports the share of spectral energy in low/mid/high bands (f in units of Nyquist), the\n" +
            "diversity (mean pairwise cosine similarity of the output channels' RMS magnitude spectra: 1 = every channel\n" +
            "responds alike) and the effective rank of the stacked spectra (1 = a single response, up to the channel count).\n\n" +
            "Without --model and --weights: the built-in model; --model resnet50 alone: torchvision's ImageNet weights.\n" +
            "--weights FILE alone (no card beside it, not TorchScript) reads the state dict as it is: every 4-D *.weight.\n" +
            "In either case the kernel banks of dynamic convolutions (ODConv/DyConv [K, out, in, k, k] with X.attention.*, as in\n" +
            "cifar-odresnet20; timm CondConv; FDConv's dft_weight, as in cifar-fdresnet20) are reported too, each with the mean\n" +
            "pairwise cosine of its groups' spectra, the overlap of their radial profiles and the cosine of their weights\n" +
            "(1, 1, 1 for identical groups); a layout that would need a guess is named and left out.\n\n" +
            "Examples:\n  freqprobe kernels                                   (the built-in model)\n  freqprobe kernels --model resnet50 --layers '^conv1$'\n" +
            "  freqprobe kernels --weights models/cifar-resnet20-natural/cifar-resnet20-natural.safetensors --out k.csv --pictures kernels/\n" +
            "  freqprobe kernels --weights models/cifar-odresnet20/cifar-odresnet20.safetensors --layers '^layer3' --pictures banks/\n" +
            "  freqprobe kernels --weights models/cifar-fdresnet20/cifar-fdresnet20.safetensors --layers '^layer1' --out fd.json");
        options.AddTo(command);
        command.Options.Add(output);
        command.SetAction(parsed =>
        {
            GivenSettings given = options.Bind(parsed);
            string? bare = BareStateDict(given);
            Resolution? resolution = bare is null ? RunResolver.Resolve(given, RunKind.Unfiltered, context.Resolver, RunNeeds.Weights) : null;
            var problems = resolution?.Problems.Select(p => p.ForCommandLine()).ToList() ?? new List<string>();
            RunRequest? request = resolution?.Request;
            if (request is not null && request.WeightsPath is null) problems.Add($"--weights: {RunResolver.RandomWeights} has no kernels worth analysing; expected a weights file.");
            double[] edges = KernelSettings.EdgesOf(given, problems);
            int n = KernelSettings.SizeOf(given, problems);
            string? outPath = parsed.GetValue(output);
            if (outPath is not null && OutputFiles.Problem(outPath, new[] { ".csv", ".json" }) is { } outProblem) problems.Add($"--out: {outProblem}");
            string? pattern = given.Text(KernelSettings.Layers);
            InputProblems.Collect<Func<string, bool>?>(problems, () => KernelSpectra.LayerFilter(pattern), null);
            string? pictures = given.Text(KernelSettings.Pictures);
            if (pictures is { } pictureFolder && File.Exists(pictureFolder))
            {
                problems.Add($"--pictures: '{pictureFolder}' is a file; expected a folder for the PNGs (it is created when missing).");
            }
            string? weightsPath = bare ?? request?.WeightsPath;
            if (problems.Count > 0 || weightsPath is null)
            {
                foreach (string problem in problems) context.Error.WriteLine($"freqprobe: error: {problem}");
                return ExitCodes.InputError;
            }

            KernelReport report;
            if (request is null)
            {
                report = KernelReport.OfStateDict(weightsPath, pattern, n, edges, Warn(context, weightsPath), Unread(context, weightsPath));
            }
            else
            {
                if (resolution!.Download is { } download) WeightsDownloads.Ensure(context, download, context.Quiet);
                // The weights as stored: on the CPU, not folded or converted for inference.
                using EvaluationSession session = EvaluationSession.Open(request, SessionParts.Weights);
                report = KernelReport.OfNetwork(request.Model.Name, request.WeightsName ?? weightsPath, session.Network, request.Model.NamedWeights(session.Network),
                    pattern, n, edges, Warn(context, weightsPath), Unread(context, weightsPath));
            }
            Write(context, report, weightsPath, edges, n, outPath, pictures);
            return ExitCodes.Success;
        });
        return command;
    }

    // --weights FILE without --model, without a card beside it and of no model-file kind (not a TorchScript archive): a
    // state dict read as it is, with no architecture to bind it to.
    static string? BareStateDict(GivenSettings given)
    {
        if (given.Has(RunSettings.Model) || given.Text(RunSettings.Weights) is not { } path || !File.Exists(path)) return null;
        return ModelCard.TryLoadFor(path) is null && ModelFileKinds.Of(path) is null ? path : null;
    }

    static Action<string> Warn(CommandContext context, string path) => message => context.Error.WriteLine($"freqprobe: warning: {path}: {message}.");

    static Action<string> Unread(CommandContext context, string path) => problem => context.Error.WriteLine($"freqprobe: warning: {path}: {problem}");

    // The table on stdout, then --out and --pictures.
    static void Write(CommandContext context, KernelReport report, string weightsPath, double[] edges, int n, string? outPath, string? pictureFolder)
    {
        IReadOnlyList<LayerSpectrum> result = report.Layers;
        if (result.Count > 0)
        {
            context.Table.WriteLine($"{"layer",-22} {"out x in, k",-14} {string.Join(" ", KernelPictures.BandNames(edges).Select(b => $"{b,18}"))} {"diversity",10} {"eff. rank",10}");
            foreach (LayerSpectrum l in result)
            {
                context.Table.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{l.Layer,-22} {$"{l.OutChannels}x{l.InChannels}, {l.KernelHeight}x{l.KernelWidth}",-14} {string.Join(" ", l.BandEnergy.Select(e => $"{100 * e,17:0.0}%"))} {l.Diversity,10:0.000} {l.EffectiveRank,10:0.0}"));
            }
        }
        if (report.Banks.Count > 0)
        {
            context.Table.WriteLine($"{"bank",-22} {"layout",-9} {"K",3} {"out x in, k",-14} {"spectrum cos",13} {"overlap",8} {"weight cos",11}");
            foreach (BankFigures b in report.Banks.Select(r => r.Figures))
            {
                context.Table.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{b.Layer,-22} {b.Layout,-9} {b.Groups,3} {$"{b.OutChannels}x{b.InChannels}, {b.KernelHeight}x{b.KernelWidth}",-14} {b.SpectrumCosine,13:0.000} {b.Overlap,8:0.000} {b.WeightCosine,11:0.000}"));
            }
        }
        if (outPath is not null)
        {
            AtomicFile.Write(outPath, stream =>
            {
                if (outPath.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) KernelPictures.WriteCsv(result, edges, stream);
                else report.WriteJson(stream, edges, n, weightsPath, context.CommandLine);
            });
            context.Error.WriteLine($"freqprobe: results in {outPath}");
        }
        if (pictureFolder is not null)
        {
            Directory.CreateDirectory(pictureFolder);
            foreach (LayerSpectrum l in result) KernelPictures.SaveGrid(l, n, Path.Combine(pictureFolder, l.Layer + ".png"));
            if (result.Count > 0)
            {
                KernelPictures.SaveRadialProfiles(result, n, Path.Combine(pictureFolder, "radial-profiles.png"),
                    $"Kernel radial power profiles: {report.Model} ({Path.GetFileNameWithoutExtension(weightsPath)}), {n}x{n}");
            }
            foreach (BankReport bank in report.Banks)
            {
                KernelBankPictures.SaveRadialResponses(bank.Figures, n, Path.Combine(pictureFolder, bank.Figures.Layer + ".bank-radial.png"));
                KernelBankPictures.SaveEmbedding(bank.Figures.Layer, bank.Embedding, bank.Figures.Groups, bank.Explained,
                    Path.Combine(pictureFolder, bank.Figures.Layer + ".bank-pca.png"));
            }
            string banks = report.Banks.Count > 0 ? $" and {report.Banks.Count} x 2 bank pictures" : "";
            context.Error.WriteLine($"freqprobe: {result.Count} spectrum grids{(result.Count > 0 ? " and radial-profiles.png" : "")}{banks} in {pictureFolder}");
        }
    }
}
