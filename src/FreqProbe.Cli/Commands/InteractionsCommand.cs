using System.CommandLine;
using System.Globalization;
using FreqProbe.Core;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Interactions;

namespace FreqProbe.Cli.Commands;

/// <summary>`freqprobe interactions`: multi-order interactions (Deng et al., ICLR 2022) with patches or frequency bands as players.</summary>
internal static class InteractionsCommand
{
    public static Command Create(CommandContext context)
    {
        const string description =
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
            "  freqprobe plot natural.json fgsm.json --out j.png";
        return AnalysisCommand.Create(context, InteractionAnalysis.Instance, description,
            "Output file(s), by extension: .csv (one row per order), .json (per-image sums and provenance; what merge and plot read), " +
                ".png or .svg (J against m/n).",
            Plan, (c, _, result) => Summarise(c, result));
    }

    // What the run will cost, before it starts.
    static void Plan(CommandContext context, InteractionRequest request)
    {
        PlayerSet set = request.Players.Build(request.Evaluation.Preprocess.InputSize);
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
