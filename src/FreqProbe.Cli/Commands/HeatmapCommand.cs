using System.CommandLine;
using System.Globalization;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Heatmaps;

namespace FreqProbe.Cli.Commands;

/// <summary>`freqprobe heatmap`: Fourier heat maps (Yin et al. 2019).</summary>
internal static class HeatmapCommand
{
    public static Command Create(CommandContext context)
    {
        const string description =
            "Fourier heat map (Yin et al., NeurIPS 2019): top-1 error when each image gets eps * U(u,v) added to every channel,\n" +
            "for every frequency (u,v) in cycles per image on the centred grid of the model input. U(u,v)[y,x] =\n" +
            "cos(2*pi*(u*x + v*y)/N) with unit L2 norm; the sign is random per image, channel and frequency (from --seed, by\n" +
            "dataset index, so batch size and threads do not change it); the result is clamped to [0,1] unless --no-clip,\n" +
            "then normalised. U(u,v) = U(-u,-v), so half the grid is computed and mirrored. Costs one forward pass per image\n" +
            "per computed frequency (about N*N/2): use --limit for quick looks.\n\n" +
            "Examples:\n  freqprobe heatmap --limit 200 --out heat.png --out heat.csv       (built-in model and data)\n" +
            "  freqprobe heatmap --weights models/cifar-resnet20-natural/cifar-resnet20-natural.safetensors --data DIR --limit 500 --out h.json --out h.png";
        return AnalysisCommand.Create(context, HeatmapAnalysis.Instance, description,
            "Output file(s), by extension: .csv (matrix, rows v and columns u), .json (counts and provenance), .png or .svg (picture).",
            plan: null, report: Summarise);
    }

    // The clean error, the mean error and the five frequencies that hurt most (one of each mirror pair).
    static void Summarise(CommandContext context, HeatmapRequest request, HeatmapResult r)
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
