using System.CommandLine;
using FreqProbe.Core;
using FreqProbe.Core.Charts;
using FreqProbe.Core.Datasets;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.IO;
using FreqProbe.Core.Planning;
using FreqProbe.Core.Results;
using FreqProbe.Core.Spectral;
using static TorchSharp.torch;

namespace FreqProbe.Cli.Commands;

/// <summary>`freqprobe preview`: a contact sheet of filtered model inputs.</summary>
internal static class PreviewCommand
{
    public static Command Create(CommandContext context)
    {
        var options = new SettingOptions(new[] { RunSettings.Model, RunSettings.Weights, RunSettings.Dataset, RunSettings.Data, RunSettings.Split,
            RunSettings.Classes, RunSettings.InputSize, RunSettings.CropPct, RunSettings.Interpolation, RunSettings.Shape, RunSettings.Profile, RunSettings.Limit, RunSettings.Seed });
        var images = new Option<string[]>("--image") { Description = "Image file(s) to show instead of dataset images; resized (shorter side to size/0.875) and centre-cropped to --input-size (default 224)." };
        var radii = new Option<string?>("--radii") { Description = "Radii for both filters (default 2,4,8,12 for inputs up to 64 pixels, 4,8,16,32 above)." };
        var spectrum = new Option<bool>("--spectrum") { Description = "Add a row of log-magnitude spectra under each image, with the kept region of each mask outlined." };
        var output = new Option<string>("--out") { Description = "The sheet: .png or .svg.", Required = true };
        var command = new Command("preview",
            "See what the model sees: a sheet with one row per image and a column per setting (the original, low-pass and\n" +
            "high-pass at each radius), the same filters as lowpass/highpass on the model-input image. Display mappings are\n" +
            "stated in the caption: low-passed images are clamped to [0,1]; high-passed ones are shown with mean 0.5 and\n" +
            "contrast stretched per tile, since they are mostly near zero.\n\n" +
            "Examples:\n  freqprobe preview --limit 4 --spectrum --out preview.png              (built-in synthetic images)\n" +
            "  freqprobe preview --dataset cifar10 --data DIR --limit 6 --out cifar.png\n  freqprobe preview --image cat.jpg --radii 4,8,16,32 --out cat.png");
        options.AddTo(command);
        foreach (Option option in new Option[] { images, radii, spectrum, output }) command.Options.Add(option);
        command.SetAction(parsed =>
        {
            var problems = new List<string>();
            string outPath = parsed.GetValue(output)!;
            if (OutputFiles.Problem(outPath, OutputFiles.Pictures) is { } outProblem) problems.Add($"--out: {outProblem}");
            string[] files = parsed.GetValue(images) ?? Array.Empty<string>();
            foreach (string missing in files.Where(f => !File.Exists(f))) problems.Add($"--image: '{missing}' not found.");
            foreach (string input in files.Where(f => AtomicFile.SameFile(f, outPath))) problems.Add($"--out: '{outPath}' is also an --image input; the sheet would replace it. Expected a new file.");
            GivenSettings given = options.Bind(parsed);
            int count = given.Count(RunSettings.Limit) ?? 6;
            if (count is < 1 or > 64) problems.Add($"--limit: {count} images; expected 1 to 64 for a preview.");

            PreprocessPolicy policy;
            IImageDataset? dataset = null;
            EvaluationSession? session = null;
            if (files.Length > 0)
            {
                policy = PreprocessPolicy.ResizeAndCentreCrop(given.Count(RunSettings.InputSize) ?? 224);
            }
            else if (!given.Has(RunSettings.Model) && !given.Has(RunSettings.Weights) && given.Text(RunSettings.Dataset) is { } name)
            {
                // No model to take the preprocessing from: the dataset's own resolution, or 224 with resize and crop for photos.
                var wanted = new DatasetOptions(name, given.Text(RunSettings.Data), given.Text(RunSettings.Split) ?? "test", given.Text(RunSettings.Classes),
                    Seed: given.Seed(RunSettings.Seed) ?? 0);
                dataset = InputProblems.Collect(problems, () => DatasetRegistry.Open(wanted), null);
                int? side = given.Count(RunSettings.InputSize);
                int? native = dataset is null ? null : DatasetRegistry.NativeSize(name);
                policy = native is { } own ? PreprocessPolicy.Native(side ?? own) : PreprocessPolicy.ResizeAndCentreCrop(side ?? 224);
            }
            else
            {
                // The model's (or its card's) preprocessing on its data; the weights themselves are not needed.
                Resolution resolution = RunResolver.Resolve(given, RunKind.Unfiltered, context.Resolver, RunNeeds.Data);
                problems.AddRange(resolution.Problems.Select(p => p.ForCommandLine()));
                RunRequest? request = resolution.Request;
                policy = request?.Preprocess ?? PreprocessPolicy.Native(32);
                session = request is null ? null : InputProblems.Collect(problems, () => EvaluationSession.Open(request, SessionParts.Data), null);
                dataset = session?.Dataset;
            }
            int size = policy.InputSize;
            IReadOnlyList<double> radiusList = InputProblems.Collect(problems,
                () => RadiusList.Parse(parsed.GetValue(radii) ?? (size > 64 ? "4,8,16,32" : "2,4,8,12")), Array.Empty<double>());
            // The sheet holds every image at every setting: the same size limits as a sweep's batch.
            problems.AddRange(RunLimits.Check(1, size, count, radiusList.Count + 1).Select(p => p.ForCommandLine()));
            if (problems.Count > 0)
            {
                if (session is null) dataset?.Dispose();
                session?.Dispose();
                foreach (string problem in problems) context.Error.WriteLine($"freqprobe: error: {problem}");
                return ExitCodes.InputError;
            }

            var pixels = new List<float>();
            var labels = new List<string>();
            using ((IDisposable?)session ?? dataset)
            {
                int n = dataset is null ? files.Length : Math.Min(count, dataset.Count);
                for (int i = 0; i < n; i++)
                {
                    RgbImage image = dataset is null ? RgbImage.Load(files[i]) : dataset.Decode(i);
                    var plane = new float[3 * size * size];
                    ImagePreprocessor.Apply(image, policy, plane);
                    pixels.AddRange(plane);
                    labels.Add(dataset is null ? Path.GetFileName(files[i]) : PreviewSheet.Label(i, dataset.ClassNames[dataset.LabelAt(i)]));
                }
            }
            (MaskShape shape, MaskProfile profile) = (given.Text(RunSettings.Shape) == "square" ? MaskShape.Square : MaskShape.Circle,
                given.Text(RunSettings.Profile) == "gaussian" ? MaskProfile.Gaussian : MaskProfile.Ideal);
            using Tensor batch = tensor(pixels.ToArray(), new long[] { labels.Count, 3, size, size });
            string temp = AtomicFile.TempPathFor(AtomicFile.Target(outPath)) + Path.GetExtension(outPath);
            string source = dataset is null ? "image files" : $"{dataset.Name} {dataset.Split}".Trim();
            PreviewSheet.Save(batch, labels, radiusList, shape, profile, parsed.GetValue(spectrum),
                $"What the model sees: {source} at {size}x{size}, low-pass (LP) and high-pass (HP) at r cycles per image", temp);
            AtomicFile.Replace(temp, outPath);
            context.Error.WriteLine($"freqprobe: wrote {outPath} ({labels.Count} images x {1 + 2 * radiusList.Count} columns)");
            return ExitCodes.Success;
        });
        return command;
    }
}
