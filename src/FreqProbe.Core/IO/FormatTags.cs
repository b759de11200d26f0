namespace FreqProbe.Core.IO;

/// <summary>
/// The format tag of every file FreqProbe writes and reads back, one constant each: a reader refuses a file whose tag
/// it does not know, and a format that changes gets a new version here (and a reader for the old one).
/// </summary>
public static class FormatTags
{
    /// <summary>Accuracy results (JSON): rows, counts, provenance.</summary>
    public const string Results = "freqprobe-results/1";

    /// <summary>A sweep's checkpoint beside its --out.</summary>
    public const string Checkpoint = "freqprobe-checkpoint/2";

    /// <summary>An analysis run's checkpoint beside its --out: the partial result, in the analysis's own format, with its checksum.</summary>
    public const string AnalysisCheckpoint = "freqprobe-analysis-checkpoint/1";

    /// <summary>The decoded-input cache's index.</summary>
    public const string DecodedInputs = "freqprobe-decoded-inputs/2";

    /// <summary>A Fourier heat map (JSON).</summary>
    public const string Heatmap = "freqprobe-heatmap/1";

    /// <summary>Multi-order interactions (JSON).</summary>
    public const string Interactions = "freqprobe-interactions/1";

    /// <summary>A Fourier sensitivity map (JSON).</summary>
    public const string Sensitivity = "freqprobe-sensitivity/1";

    /// <summary>Kernel spectra and banks (JSON).</summary>
    public const string Kernels = "freqprobe-kernels/1";

    /// <summary>A bench report (JSON).</summary>
    public const string Bench = "freqprobe-bench/1";

    /// <summary>A config sweep's summary.json: the config, its digest and each run's command and results file.</summary>
    public const string SweepSummary = "freqprobe-sweep-summary/1";

    /// <summary>A model card beside a weights file.</summary>
    public const string ModelCard = "freqprobe-model-card/1";

    /// <summary>The verdicts of the execution-path checks on one machine.</summary>
    public const string Verdicts = "freqprobe-verdicts/1";

    /// <summary>
    /// The extensions of accuracy results (--out of a filter run), which the resolver checks before any work; the
    /// results' writers are registered under exactly these (a test holds them equal).
    /// </summary>
    public static IReadOnlyList<string> ResultExtensions { get; } = new[] { ".csv", ".json", ".md" };

    /// <summary>Why <paramref name="path"/> cannot take accuracy results, or null.</summary>
    public static string? ResultExtensionProblem(string path)
    {
        string extension = Path.GetExtension(path);
        return ResultExtensions.Contains(extension, StringComparer.OrdinalIgnoreCase)
            ? null
            : $"'{path}' has extension '{extension}'; expected one of {string.Join(", ", ResultExtensions)}.";
    }
}
