using System.Globalization;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Spectral;

namespace FreqProbe.Core.Planning;

/// <summary>
/// What each setting became once a run was resolved, read back from the run description (not from what was given):
/// `sweep --check` prints it, and tests hold every setting to reaching it.
/// </summary>
public static class ResolvedSettings
{
    static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    static string Numbers(IReadOnlyList<float> values) => values.Count == 0 ? "none" : string.Join(',', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    static string FilterSpelling(IReadOnlyList<FrequencyFilter> filters, Func<FrequencyFilter, string> part) =>
        filters.Count == 0 ? "none" : string.Join(",", filters.Select(part).Distinct());

    /// <summary>Each setting of <paramref name="resolution"/>'s run with its resolved value, as the command line spells it, in table order.</summary>
    public static IEnumerable<(Setting Setting, string Value)> Of(Resolution resolution)
    {
        if (resolution.Request is not { } r) yield break;
        CultureInfo c = CultureInfo.InvariantCulture;
        foreach (Setting s in RunSettings.All)
        {
            string? value = s.Name switch
            {
                "model" => r.Model.Name,
                "weights" => r.WeightsName ?? RunResolver.RandomWeights,
                "allow-nonfinite" => r.AllowNonfinite ? "true" : "false",
                "dataset" => r.Dataset.Name,
                "data" => r.Dataset.DataPath ?? "none",
                "split" => r.Dataset.Split,
                "classes" => r.Dataset.ClassesFile ?? "none",
                "max-image-pixels" => r.Dataset.MaxImagePixels.ToString(c),
                "decoded-cache" => r.DecodedCache ?? "none",
                "num-classes" => r.NumClasses?.ToString(c) ?? "the dataset's",
                "mean" => Numbers(r.Mean),
                "std" => Numbers(r.Std),
                "input-size" => r.Preprocess.InputSize.ToString(c),
                "crop-pct" => r.Preprocess.ResizeShorter is { } shorter ? $"resize-to-{shorter.ToString(c)}" : "none",
                "interpolation" => r.Preprocess.Interpolation.ToString().ToLowerInvariant(),
                "shape" => FilterSpelling(r.Filters, f => f.Shape.ToString().ToLowerInvariant()),
                "profile" => FilterSpelling(r.Filters, f => f.Profile.ToString().ToLowerInvariant()),
                "radii" => r.Filters.Any(f => f.Kind != FilterKind.BandPass) ? FilterSpelling(r.Filters, f => f.RadiusLabel) : "none",
                "bands" => r.Filters.Any(f => f.Kind == FilterKind.BandPass) ? FilterSpelling(r.Filters, f => f.RadiusLabel) : "none",
                "clip" => r.Clip ? "true" : "false",
                "batch-size" => r.BatchSize.ToString(c),
                "threads" => r.Threads.ToString(c),
                "device" => r.Device,
                "precision" => r.Precision,
                "layout" => r.Layout,
                "engine" => r.Engine,
                "limit" => r.Limit?.ToString(c) ?? "none",
                "shard" => r.Shard?.ToString() ?? "none",
                "seed" => r.Seed.ToString(c),
                "on-bad-image" => r.OnBadImage == Datasets.BadImagePolicy.Skip ? "skip" : "fail",
                "per-class" => r.PerClass ? "true" : "false",
                "checkpoint-every" => Number(r.CheckpointSeconds),
                "forward-timeout" => r.ForwardTimeoutSeconds is { } t ? Number(t) : "default",
                "out" => resolution.OutPath ?? "none",
                "predictions" => resolution.PredictionsPath ?? "none",
                "resume" => r.Resume ? "true" : "false",
                "quiet" => resolution.Quiet ? "true" : "false",
                _ => null, // --offline decides where weights come from, which --weights shows
            };
            if (value is not null) yield return (s, value);
        }
    }

    /// <summary>
    /// The resolved settings as one line, --name value pairs: for an analysis run (<paramref name="analysis"/>, its own
    /// settings) the run settings it takes, then its own as given or by default.
    /// </summary>
    public static string Line(Resolution resolution, IReadOnlyList<Setting>? analysis = null, GivenSettings? given = null)
    {
        var pairs = Of(resolution).Where(p => analysis is null || RunSettings.ForAnalyses.Contains(p.Setting)).Select(p => $"{p.Setting.Option} {p.Value}");
        if (analysis is not null)
        {
            pairs = pairs.Concat(analysis.Select(s => $"{s.Option} {given?.Find(s)?.Spelling ?? s.Default ?? "default"}"));
        }
        return string.Join(" ", pairs);
    }
}
