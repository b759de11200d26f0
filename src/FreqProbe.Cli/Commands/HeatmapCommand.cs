using System.CommandLine;
using System.Globalization;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Planning;
using FreqProbe.Core.Results;

namespace FreqProbe.Cli.Commands;

/// <summary>`freqprobe heatmap`: Fourier heat maps (Yin et al. 2019).</summary>
internal static class HeatmapCommand
{
    public static Command Create(CommandContext context)
    {
        SettingOptions options = SettingOptions.ForUnfilteredAnalysis();
        var outputs = new Option<string[]>("--out")
        {
            Description = "Output file(s), by extension: .csv (matrix, rows v and columns u), .json (counts and provenance), .png or .svg (picture). Repeat for several.",
        };
        var eps = new Option<double?>("--eps") { Description = "L2 norm of the perturbation per channel, [0,1] units (default 4 at 32x32, 15.7 above 64 pixels)." };
        var maxFreq = new Option<int?>("--max-freq") { Description = "Only frequencies with |u|, |v| <= K (default: the whole grid)." };
        var metric = new Option<string>("--metric") { Description = "error (default) or accuracy.", DefaultValueFactory = _ => "error" };
        var noClip = new Option<bool>("--no-clip") { Description = "Do not clamp perturbed images to [0,1] (clamping is the default, as in the reference implementations)." };
        metric.AcceptOnlyFromAmong("error", "accuracy");
        var command = new Command("heatmap",
            "Fourier heat map (Yin et al., NeurIPS 2019): top-1 error when each image gets eps * U(u,v) added to every channel,\n" +
            "for every frequency (u,v) in cycles per image on the centred grid of the model input. U(u,v)[y,x] =\n" +
            "cos(2*pi*(u*x + v*y)/N) with unit L2 norm; the sign is random per image, channel and frequency (from --seed, by\n" +
            "dataset index, so batch size and threads do not change it); the result is clamped to [0,1] unless --no-clip,\n" +
            "then normalised. U(u,v) = U(-u,-v), so half the grid is computed and mirrored. Costs one forward pass per image\n" +
            "per computed frequency (about N*N/2): use --limit for quick looks.\n\n" +
            "Examples:\n  freqprobe heatmap --limit 200 --out heat.png --out heat.csv       (built-in model and data)\n" +
            "  freqprobe heatmap --weights models/cifar-resnet20-natural/cifar-resnet20-natural.safetensors --data DIR --limit 500 --out h.json --out h.png");
        options.AddTo(command);
        foreach (Option option in new Option[] { outputs, eps, maxFreq, metric, noClip }) command.Options.Add(option);
        command.SetAction(parsed =>
        {
            GivenSettings given = options.Bind(parsed);
            Resolution resolution = RunResolver.Resolve(given, RunKind.Evaluation, context.Resolver);
            var problems = resolution.Problems.Select(p => p.ForCommandLine()).ToList();
            SweepRequest? evaluation = resolution.Request;
            string[] targets = parsed.GetValue(outputs) ?? Array.Empty<string>();
            OutputTargets.Check(targets, HeatmapWriter.Extensions, evaluation?.WeightsPath, problems);
            double? epsilon = parsed.GetValue(eps);
            if (epsilon is not null && (!double.IsFinite(epsilon.Value) || epsilon <= 0)) problems.Add($"--eps: {epsilon} must be a positive number.");
            int? k = parsed.GetValue(maxFreq);
            if (k is < 0) problems.Add($"--max-freq: {k} must be 0 or more.");
            if (problems.Count > 0 || evaluation is null)
            {
                foreach (string problem in problems) context.Error.WriteLine($"freqprobe: error: {problem}");
                return ExitCodes.InputError;
            }
            var request = new HeatmapRequest(evaluation, epsilon ?? HeatmapRequest.DefaultEpsilon(evaluation.Preprocess.InputSize), k, !parsed.GetValue(noClip));
            bool quiet = given.Flag(RunSettings.Quiet);
            HeatmapResult result = AnalysisRun.Execute(context, resolution, evaluation, quiet, "the heat map",
                (progress, notice, cancel) => HeatmapRunner.Run(request, progress, notice, cancel));
            HeatmapMetric chosen = parsed.GetValue(metric) == "accuracy" ? HeatmapMetric.Accuracy : HeatmapMetric.Error;
            foreach (string target in targets) HeatmapWriter.Write(result, chosen, request.Epsilon, target);
            if (!quiet) Summarise(context, result, request);
            return ExitCodes.Success;
        });
        return command;
    }

    // The clean error, the mean error and the five frequencies that hurt most (one of each mirror pair).
    static void Summarise(CommandContext context, HeatmapResult r, HeatmapRequest request)
    {
        var cells = new List<(int U, int V, double Error)>();
        for (int v = -r.MaxFrequency; v <= r.MaxFrequency; v++)
        {
            for (int u = -r.MaxFrequency; u <= r.MaxFrequency; u++)
            {
                if (u < -r.Size / 2 || v < -r.Size / 2 || u >= r.Size - r.Size / 2 || v >= r.Size - r.Size / 2) continue;
                double error = r.ErrorRate(u, v);
                if (!double.IsNaN(error) && (v > 0 || (v == 0 && u >= 0))) cells.Add((u, v, error));
            }
        }
        double clean = r.Evaluated == 0 ? 0 : (double)r.CleanErrors / r.Evaluated;
        context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"clean error {100 * clean:0.00}%; mean error over {r.Bases} frequencies {100 * cells.Average(c => c.Error):0.00}% (eps {request.Epsilon:0.##}, {r.Evaluated} images)"));
        context.Out.WriteLine("most harmful (u, v): " + string.Join(", ", cells.OrderByDescending(c => c.Error).Take(5)
            .Select(c => string.Create(CultureInfo.InvariantCulture, $"({c.U}, {c.V}) {100 * c.Error:0.0}%"))));
        context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"freqprobe: {r.Evaluated} images x {r.Bases} frequencies in {r.Seconds:0.0} s ({r.Evaluated * r.Bases / Math.Max(r.Seconds, 1e-9):0} perturbed images/s) on {r.Metadata.Device}"));
    }
}
