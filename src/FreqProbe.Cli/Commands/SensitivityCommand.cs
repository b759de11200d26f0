using System.CommandLine;
using System.Globalization;
using FreqProbe.Core.Sensitivity;

namespace FreqProbe.Cli.Commands;

/// <summary>`freqprobe sensitivity`: Fourier sensitivity (Krishnamachari et al. 2023).</summary>
internal static class SensitivityCommand
{
    public static Command Create(CommandContext context)
    {
        const string description =
            "Fourier sensitivity (Krishnamachari et al., TMLR 2023): which frequencies the model's output responds to. Per image, the\n" +
            "gradient g of --value with respect to the input in [0,1] pixel space (before normalisation, where filters act), its\n" +
            "per-channel unitary 2-D DFT, centred as the filters' spectra (DC at floor(N/2)), and its power |DFT(g)|^2, averaged\n" +
            "over channels and images. The unitary DFT is orthonormal, so this is the sensitivity to each Fourier coefficient,\n" +
            "from one forward and one backward pass per image (a heat map costs N*N/2 forward passes). Reports the radial profile\n" +
            "in whole cycles per image and the shares of the paper's bands, d < N/6, N/6 <= d < N/3 and d >= N/3, with 95%\n" +
            "bootstrap intervals over images, overall and per class (printed for datasets of up to 20 classes). The map is summed\n" +
            "exactly, so shards merge to the bit (freqprobe merge).\n\n" +
            "Examples:\n  freqprobe sensitivity --limit 200 --out sens.png --out sens.json       (built-in model and data)\n" +
            "  freqprobe sensitivity --weights models/cifar-resnet20-natural/cifar-resnet20-natural.safetensors --data ../shared/data/cifar10 \\\n" +
            "      --limit 1000 --out sens.json --out sens.csv --out sens.png\n" +
            "  freqprobe plot natural.json gaussian.json --out profiles.png                   (radial profiles of several models)";
        return AnalysisCommand.Create(context, SensitivityAnalysis.Instance, description,
            "Output file(s), by extension: .csv (mean map, rows v and columns u, as the heat map's), .json (exact sums, per-image band sums, " +
            "profile, band shares overall and per class, and provenance; what merge and plot read), .png or .svg (the map, log scale, on the heat map's axes and colours).",
            plan: null, report: (c, _, result) => Summarise(c, result));
    }

    /// <summary>Datasets with at most this many classes get the per-class band shares printed (they are in the JSON for every dataset).</summary>
    const int PrintedClasses = 20;

    // The band shares with their intervals, the radial profile in a line, the shares per class where they fit a screen, and the speed.
    static void Summarise(CommandContext context, SensitivityResult r)
    {
        var inv = CultureInfo.InvariantCulture;
        context.Out.WriteLine(string.Create(inv, $"Fourier sensitivity of {r.Metadata.Model}, value {SensitivityAnalysis.ValueName(r.Value)}, {r.Images.Count} images, {r.Size}x{r.Size}"));
        context.Out.WriteLine("band            share    95% interval");
        foreach (BandShare band in SensitivityBands.Shares(r.Images, r.Size, r.Metadata.Seed))
        {
            context.Out.WriteLine(string.Create(inv, $"{band.Name,-7} {band.Range,-22} {100 * band.Share,6:0.00}%  [{100 * band.Lower:0.00}, {100 * band.Upper:0.00}]"));
        }
        var profile = SensitivityBands.Profile(r);
        context.Out.WriteLine("radial profile (sensitivity per coefficient / grid mean), r = 0, 1, ...: " +
            string.Join(" ", profile.Select(b => b.Density.ToString("0.###", inv))));
        if (r.Metadata.NumClasses <= PrintedClasses)
        {
            context.Out.WriteLine("class           images    low  middle    high");
            foreach (var c in SensitivityFiles.PerClass(r))
            {
                string name = c.Class < r.Metadata.ClassNames.Count ? r.Metadata.ClassNames[c.Class] : c.Class.ToString(inv);
                context.Out.WriteLine(string.Create(inv, $"{name,-15} {c.Images,6} {100 * c.Low,6:0.0}% {100 * c.Middle,6:0.0}% {100 * c.High,6:0.0}%"));
            }
        }
        context.Error.WriteLine(string.Create(inv,
            $"freqprobe: {r.Images.Count} images in {r.Seconds:0.0} s ({r.Images.Count / Math.Max(r.Seconds, 1e-9):0.0} images/s, forward and backward) on {r.Metadata.Device}"));
    }
}
