using FreqProbe.Core.Evaluation;

namespace FreqProbe.Core.Planning;

/// <summary>What kind of value a setting takes, which decides its command-line type and the JSON it accepts.</summary>
public enum SettingKind
{
    /// <summary>Free text.</summary>
    Text,
    /// <summary>One of <see cref="Setting.Choices"/>.</summary>
    Choice,
    /// <summary>A file or folder; relative paths in a config are relative to the config file.</summary>
    Path,
    /// <summary>A weights file, or a name such as builtin:synthetic, torchvision, torchvision-v2 or random.</summary>
    Weights,
    /// <summary>On when given.</summary>
    Flag,
    /// <summary>A positive integer.</summary>
    Count,
    /// <summary>A non-negative 64-bit integer.</summary>
    Seed,
    /// <summary>A real number.</summary>
    Number,
    /// <summary>Three numbers 'r,g,b'.</summary>
    Triple,
    /// <summary>A radius list such as 4..32:4.</summary>
    Radii,
    /// <summary>A band list such as 0-4,4-8.</summary>
    Bands,
    /// <summary>A shard K/N.</summary>
    Shard,
}

/// <summary>Which part of the run description a setting belongs to.</summary>
public enum SettingGroup
{
    /// <summary>The model and its weights.</summary>
    Model,
    /// <summary>The data config: dataset, folder, split, classes, preprocessing.</summary>
    Data,
    /// <summary>The filters.</summary>
    Filters,
    /// <summary>How the run executes: device, precision, batching, threads, subsets, checkpoints.</summary>
    Execution,
    /// <summary>Where results go and how the command talks.</summary>
    Output,
    /// <summary>An analysis's own settings (a heat map's eps, an interaction run's players).</summary>
    Analysis,
}

/// <summary>
/// One settable setting of an evaluating run: its long name (the command-line option without dashes and the config
/// key), the kind of value, the help text, and — when it changes the numbers — how its resolved value is recorded in
/// a run's provenance (<see cref="Identity"/>). That one function feeds the checkpoint fingerprint and the shard-merge
/// check, so that neither can forget a setting the other knows.
/// </summary>
/// <param name="Name">Long name, e.g. "batch-size".</param>
/// <param name="Kind">Kind of value.</param>
/// <param name="Group">Part of the run description.</param>
/// <param name="Help">Help text for --help and the config documentation.</param>
public sealed record Setting(string Name, SettingKind Kind, SettingGroup Group, string Help)
{
    /// <summary>Accepted values of a <see cref="SettingKind.Choice"/>.</summary>
    public IReadOnlyList<string> Choices { get; init; } = Array.Empty<string>();

    /// <summary>The built-in default, as the command line spells it, for help; null when it depends on the model or data.</summary>
    public string? Default { get; init; }

    /// <summary>A valid example value, as the command line spells it (tests use it).</summary>
    public required string Example { get; init; }

    /// <summary>Why a config run cannot set it (null: it can).</summary>
    public string? NotInConfig { get; init; }

    /// <summary>The short alias on the command line, if any.</summary>
    public string? Alias { get; init; }

    /// <summary>
    /// How the resolved value is recorded in a run's provenance, as text; two runs whose texts differ for any setting
    /// count different results. Null: the setting does not change the numbers (batch size, threads, device …).
    /// </summary>
    public Func<RunMetadata, string>? Identity { get; init; }

    /// <summary>The least value of a <see cref="SettingKind.Count"/> (1 unless the setting says otherwise).</summary>
    public int Minimum { get; init; } = 1;

    /// <summary>The identity of an analysis setting: its value as the analysis recorded it in <see cref="RunMetadata.Parameters"/>.</summary>
    public static Func<RunMetadata, string> RecordedParameter(string name) => m => m.Parameters.GetValueOrDefault(name, "");

    /// <summary>False for the one setting that shards of one run differ in (the shard itself).</summary>
    public bool SameInEveryShard { get; init; } = true;

    /// <summary>The command-line spelling, e.g. --batch-size.</summary>
    public string Option => "--" + Name;

    /// <summary>True when the setting changes the numbers.</summary>
    public bool ChangesNumbers => Identity is not null;
}
