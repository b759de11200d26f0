using System.CommandLine;
using System.Globalization;
using FreqProbe.Core;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Interactions;
using FreqProbe.Core.Planning;
using FreqProbe.Core.Results;

namespace FreqProbe.Cli.Commands;

/// <summary>`freqprobe interactions`: multi-order interactions (Deng et al., ICLR 2022) with patches or frequency bands as players.</summary>
internal static class InteractionsCommand
{
    public static Command Create(CommandContext context)
    {
        SettingOptions options = SettingOptions.ForUnfilteredAnalysis();
        var players = new Option<string>("--players")
        {
            Description = "patches: a G x G grid of image patches, absent = 0 after normalisation (the dataset mean), pairs of neighbours within " +
                "Chebyshev distance 2 (the paper's setting). bands: B annuli of the centred spectrum, of equal width in radius from DC to the corner, " +
                "absent = coefficients zeroed before the inverse DFT (FreqProbe's ideal band-pass filter with the union of the present bands), any pair.",
            DefaultValueFactory = _ => "patches",
        };
        players.AcceptOnlyFromAmong(PlayerSpec.Kinds.ToArray());
        var outputs = new Option<string[]>("--out")
        {
            Description = "Output file(s), by extension: .csv (one row per order), .json (per-image sums and provenance; what merge and plot read), " +
                ".png or .svg (J against m/n). Repeat for several.",
        };
        var grid = new Option<int>("--grid") { Description = "Patches per side for --players patches (the paper used 16).", DefaultValueFactory = _ => 8 };
        var bandCount = new Option<int>("--band-count") { Description = "Annular bands for --players bands.", DefaultValueFactory = _ => 16 };
        var images = new Option<int>("--images") { Description = "Explain the first N correctly classified images (within --limit, in dataset order).", DefaultValueFactory = _ => 50 };
        var pairs = new Option<int>("--pairs") { Description = "Pairs (i, j) per image, drawn without replacement (all of them when there are fewer).", DefaultValueFactory = _ => 50 };
        var contexts = new Option<int>("--contexts")
        {
            Description = "Contexts S per pair and order, drawn uniformly; an order with at most this many possible contexts uses each once (exact).",
            DefaultValueFactory = _ => 32,
        };
        var value = new Option<string>("--value")
        {
            Description = "v(S) on the masked image: logodds (default) = z_y - logsumexp_{c!=y} z_c, logit = z_y, logp = log softmax_y.",
            DefaultValueFactory = _ => "logodds",
        };
        value.AcceptOnlyFromAmong(InteractionValues.Names.ToArray());
        var orders = new Option<string>("--orders")
        {
            Description = "Order ratios rho, comma-separated; the orders are m = int((n-2)*rho), each once.",
            DefaultValueFactory = _ => string.Join(",", InteractionOrders.DefaultRatios.Select(r => r.ToString(CultureInfo.InvariantCulture))),
        };
        var command = new Command("interactions",
            "Multi-order interactions (Deng, Ren, Zhang et al., ICLR 2022, \"the representation bottleneck\"): how strongly a model\n" +
            "uses interactions between two parts of its input in contexts of m other parts. For players i, j and a context S:\n" +
            "  dv(i,j,S) = v(S+{i,j}) - v(S+{i}) - v(S+{j}) + v(S),   I^(m)(i,j) = mean of dv over sampled S with |S| = m,\n" +
            "  J^(m) = E_images E_pairs |I^(m)(i,j)|, divided by its mean over the orders (mean over S first, then |.|).\n" +
            "Players are image patches (the paper's setting) or annular frequency bands (new): a coalition keeps the patches or\n" +
            "bands it holds and removes the rest. The paper reports a U shape: low and high orders strong, middle orders weak.\n" +
            "Samples are drawn from --seed and each image's dataset index, so batch size, threads and --shard do not change them;\n" +
            "`freqprobe merge` joins shards exactly, and `freqprobe plot` draws several results in one chart.\n" +
            "Cost: images x pairs x orders x contexts x 4 forward passes (50 x 50 x 13 x 32 x 4 = 4.2 M by default); --batch-size\n" +
            "masked images share each pass. Use --images/--pairs/--contexts for quick looks.\n\n" +
            "Examples:\n  freqprobe interactions --images 5 --pairs 10 --contexts 8 --out i.png       (built-in model and data)\n" +
            "  freqprobe interactions --weights models/cifar-resnet20-natural/cifar-resnet20-natural.safetensors --data DIR \\\n" +
            "      --players bands --out bands.json --out bands.png\n" +
            "  freqprobe plot natural.json fgsm.json --out j.png");
        options.AddTo(command);
        foreach (Option option in new Option[] { outputs, players, grid, bandCount, images, pairs, contexts, value, orders }) command.Options.Add(option);
        command.SetAction(parsed =>
        {
            GivenSettings given = options.Bind(parsed);
            Resolution resolution = RunResolver.Resolve(given, RunKind.Evaluation, context.Resolver);
            var problems = resolution.Problems.Select(p => p.ForCommandLine()).ToList();
            SweepRequest? evaluation = resolution.Request;
            string[] targets = parsed.GetValue(outputs) ?? Array.Empty<string>();
            OutputTargets.Check(targets, InteractionWriter.Extensions, evaluation?.WeightsPath, problems);
            problems.AddRange(InteractionRequest.CountProblems(parsed.GetValue(images), parsed.GetValue(pairs), parsed.GetValue(contexts)));
            var spec = new PlayerSpec(parsed.GetValue(players)!, parsed.GetValue(grid), parsed.GetValue(bandCount));
            // An option the chosen players do not use would be recorded and ignored: refused instead.
            if (spec.Kind == "bands" && parsed.GetResult(grid) is { Implicit: false })
            {
                problems.Add($"--grid: {parsed.GetValue(grid)} sets patches, but --players is bands; expected --band-count for bands, or --players patches.");
            }
            if (spec.Kind == "patches" && parsed.GetResult(bandCount) is { Implicit: false })
            {
                problems.Add($"--band-count: {parsed.GetValue(bandCount)} sets bands, but --players is patches; expected --grid for patches, or --players bands.");
            }
            IReadOnlyList<double>? ratios = InputProblems.Collect(problems, () => InteractionOrders.ParseRatios(parsed.GetValue(orders)!), null);
            PlayerSet? set = evaluation is null ? null : InputProblems.Collect(problems, () => spec.Build(evaluation.Preprocess.InputSize), null);
            if (set is not null && ratios is not null && problems.Count == 0)
            {
                // The cost is planned before any work: what cannot finish or fit is refused with its numbers.
                var planned = new InteractionSampling(parsed.GetValue(pairs), parsed.GetValue(contexts), ratios, evaluation!.Seed);
                problems.AddRange(InteractionRequest.Cost(set, InteractionOrders.For(set.Count, ratios), planned, parsed.GetValue(images), evaluation.Preprocess.InputSize).Problems);
            }
            if (problems.Count > 0 || evaluation is null || ratios is null || set is null)
            {
                foreach (string problem in problems) context.Error.WriteLine($"freqprobe: error: {problem}");
                return ExitCodes.InputError;
            }
            var sampling = new InteractionSampling(parsed.GetValue(pairs), parsed.GetValue(contexts), ratios, evaluation.Seed);
            var request = new InteractionRequest(evaluation, spec, parsed.GetValue(images), sampling, InteractionValues.Parse(parsed.GetValue(value)!));
            bool quiet = given.Flag(RunSettings.Quiet);
            if (!quiet) Plan(context, request, set);

            InteractionResult result = AnalysisRun.Execute(context, resolution, evaluation, quiet, "the interaction estimate",
                (progress, notice, cancel) => InteractionRunner.Run(request, progress, notice, cancel));
            foreach (string target in targets) InteractionWriter.Write(result, target);
            if (!quiet) Summarise(context, result);
            return ExitCodes.Success;
        });
        return command;
    }

    // What the run will cost, before it starts.
    static void Plan(CommandContext context, InteractionRequest request, PlayerSet set)
    {
        IReadOnlyList<int> orders = InteractionOrders.For(set.Count, request.Sampling.Ratios);
        int pairs = Math.Min(set.CandidatePairs.Count, request.Sampling.Pairs);
        long contexts = InteractionEstimator.ContextsPerPair(set.Count, orders, request.Sampling.Contexts);
        context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"freqprobe: {set.Count} {set.Kind}, orders {string.Join(",", orders)}; per image {pairs} pairs x {contexts} contexts over the orders x 4 = " +
            $"{InteractionEstimator.RowsPerImage(set.Count, set.CandidatePairs.Count, orders, request.Sampling)} forwards; up to {request.Images} images"));
    }

    static void Summarise(CommandContext context, InteractionResult r)
    {
        context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{r.Metadata.Model}: {r.Players.Kind} n = {r.PlayerCount}, {r.Images.Count} images, {r.PairCount} pairs, v = {InteractionValues.Name(r.Value)}; " +
            $"mean v(N) - v(empty) = {r.MeanTotalEffect:0.###}"));
        context.Out.WriteLine("order    m/n   mean |I|        J   mean I");
        for (int o = 0; o < r.Orders.Count; o++)
        {
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Orders[o],5}  {(double)r.Orders[o] / r.PlayerCount,5:0.000}  {r.MeanAbs(o),9:0.####}  {r.Strength(o),7:0.###}  {r.MeanSigned(o),7:0.####}"));
        }
        context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"freqprobe: {r.Forwards} forwards in {r.Seconds:0.0} s ({r.ForwardsPerSecond:0} forwards/s; {100 * r.ForwardSeconds / Math.Max(r.Seconds, 1e-9):0}% of the time in the model) " +
            $"on {r.Metadata.Device}"));
    }
}
