using System.Globalization;

namespace FreqProbe.Core.Training;

/// <summary>
/// What a training run's result depends on, as (option, value) pairs in the command line's spelling. The checkpoint
/// records them, and <c>--resume</c> refuses a run whose pairs differ: epoch 1 trained with one learning rate and
/// epoch 2 with another is no run anyone asked for, and its card would record only the second.
/// Threads and device are left out: they change rounding, not the experiment (a resume on another node is a warning).
/// </summary>
public static class TrainSettings
{
    /// <summary>The pairs of <paramref name="r"/> for <paramref name="classes"/> outputs and the training data's fingerprint.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Of(TrainRequest r, int classes, string dataFingerprint)
    {
        static string N(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        static string Opt(int? v) => v?.ToString(CultureInfo.InvariantCulture) ?? "all";
        var pairs = new List<KeyValuePair<string, string>>
        {
            new("--model", r.Model.Name),
            new("classes", classes.ToString(CultureInfo.InvariantCulture)),
            new("input size", r.Preprocess.InputSize.ToString(CultureInfo.InvariantCulture)),
            new("resize shorter", r.Preprocess.ResizeShorter?.ToString(CultureInfo.InvariantCulture) ?? "none"),
            new("mean", string.Join(",", r.Mean.Select(v => N(v)))),
            new("std", string.Join(",", r.Std.Select(v => N(v)))),
            new("--dataset", r.Dataset.Name),
            new("--data", r.Dataset.DataPath is null ? "none" : Path.GetFullPath(r.Dataset.DataPath)),
            new("--test-data", r.TestDataPath is null ? "none" : Path.GetFullPath(r.TestDataPath)),
            new("--classes", r.Dataset.ClassesFile ?? "none"),
            new("--train-size", r.Dataset.GeneratedCount.ToString(CultureInfo.InvariantCulture)),
            new("--test-size", r.TestCount.ToString(CultureInfo.InvariantCulture)),
            new("--train-limit", Opt(r.TrainLimit)),
            new("--test-limit", Opt(r.TestLimit)),
            new("--shuffle-labels", r.Dataset.ShuffleLabelsSeed is null ? "off" : "on"),
            new("training data content", dataFingerprint),
            new("--epochs", r.Epochs.ToString(CultureInfo.InvariantCulture)),
            new("--batch-size", r.BatchSize.ToString(CultureInfo.InvariantCulture)),
            new("--lr", N(r.MaxLearningRate)),
            new("--schedule", r.Schedule),
            new("--momentum", N(r.Momentum)),
            new("--no-nesterov", r.Nesterov ? "off" : "on"),
            new("--weight-decay", N(r.WeightDecay)),
            new("--crop-padding", r.CropPadding.ToString(CultureInfo.InvariantCulture)),
            new("--no-flip", r.Flip ? "off" : "on"),
            new("--dc-jitter", r.DcJitter ? "on" : "off"),
            new("--augment", r.Augment.ToString()),
            new("--seed", r.Seed.ToString(CultureInfo.InvariantCulture)),
            new("--name", r.Name),
            new("--probe-radii", r.Probe is { Radii.Count: > 0 } p ? string.Join(",", p.Radii.Select(N)) : "none"),
            new("--probe-train", r.Probe is null ? "none" : r.Probe.TrainCount.ToString(CultureInfo.InvariantCulture)),
            new("--probe-test", r.Probe is null ? "none" : Opt(r.Probe.TestCount)),
            new("--probe-fprinciple", r.Probe is { FPrinciple: true } ? "on" : "off"),
        };
        return pairs;
    }

    /// <summary>
    /// The settings that differ between a checkpoint's <paramref name="recorded"/> pairs and this run's
    /// <paramref name="current"/> ones, one line each ("--lr: checkpoint 0.1, this run 0.05"); empty when they agree.
    /// </summary>
    public static IReadOnlyList<string> Differences(IReadOnlyList<KeyValuePair<string, string>> recorded, IReadOnlyList<KeyValuePair<string, string>> current)
    {
        var lines = new List<string>();
        var old = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in recorded)
        {
            if (!old.TryAdd(key, value)) lines.Add($"{key}: recorded twice in the checkpoint");
        }
        foreach (var (key, value) in current)
        {
            if (!old.Remove(key, out string? was)) lines.Add($"{key}: not recorded in the checkpoint, this run {value}");
            else if (was != value) lines.Add($"{key}: checkpoint {was}, this run {value}");
        }
        foreach (var (key, value) in old) lines.Add($"{key}: checkpoint {value}, unknown to this version");
        return lines;
    }
}
