using System.Globalization;

namespace FreqProbe.Core.Planning;

/// <summary>
/// A value the user gave for a setting and where: <c>--batch-size</c> on the command line, or a JSON path such as
/// <c>$.runs[2].batch-size</c> in a config. Values are typed by the setting's kind: string, bool (flags), int
/// (counts), ulong (seeds) or double (numbers).
/// </summary>
public sealed record GivenValue(Setting Setting, object Value, string Origin)
{
    /// <summary>The value as the command line spells it.</summary>
    public string Spelling => Value switch
    {
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Value.ToString() ?? "",
    };
}

/// <summary>
/// The settings given for one run, after precedence: each layer added with <c>Over</c> wins over the ones
/// before it (config defaults, then the config run, then the command line). A value keeps the position where its
/// setting was first given, so the resolved command reads in the order the user wrote it.
/// </summary>
public sealed class GivenSettings
{
    readonly List<GivenValue> values;

    GivenSettings(List<GivenValue> values) => this.values = values;

    /// <summary>No settings.</summary>
    public static GivenSettings None { get; } = new(new List<GivenValue>());

    /// <summary>Settings from one source.</summary>
    public static GivenSettings From(IEnumerable<GivenValue> layer) => None.Over(layer);

    /// <summary>These settings with <paramref name="higher"/> winning over them.</summary>
    public GivenSettings Over(IEnumerable<GivenValue> higher)
    {
        var merged = new List<GivenValue>(values);
        foreach (GivenValue value in higher)
        {
            int at = merged.FindIndex(v => v.Setting == value.Setting);
            if (at >= 0) merged[at] = value;
            else merged.Add(value);
        }
        return new GivenSettings(merged);
    }

    /// <summary>These settings with <paramref name="higher"/> winning over them.</summary>
    public GivenSettings Over(GivenSettings higher) => Over(higher.values);

    /// <summary>Every given value, in the order first given.</summary>
    public IReadOnlyList<GivenValue> All => values;

    /// <summary>True when <paramref name="setting"/> was given.</summary>
    public bool Has(Setting setting) => values.Any(v => v.Setting == setting);

    /// <summary>The given value of <paramref name="setting"/>, or null.</summary>
    public GivenValue? Find(Setting setting) => values.LastOrDefault(v => v.Setting == setting);

    /// <summary>The given text of <paramref name="setting"/>, or null.</summary>
    public string? Text(Setting setting) => Find(setting)?.Value as string;

    /// <summary>The given flag, or false.</summary>
    public bool Flag(Setting setting) => Find(setting)?.Value is true;

    /// <summary>The given count, or null.</summary>
    public int? Count(Setting setting) => Find(setting)?.Value is int n ? n : null;

    /// <summary>The given number, or null.</summary>
    public double? Number(Setting setting) => Find(setting)?.Value is double d ? d : null;

    /// <summary>The given seed, or null.</summary>
    public ulong? Seed(Setting setting) => Find(setting)?.Value is ulong s ? s : null;

    /// <summary>The given text of <paramref name="setting"/>, else its default in the settings table.</summary>
    public string TextOrDefault(Setting setting) =>
        Text(setting) ?? setting.Default ?? throw new InvalidOperationException($"--{setting.Name} has no default in the settings table");

    /// <summary>
    /// The given count of <paramref name="setting"/>, else its default in the settings table; a count below the
    /// setting's minimum adds a problem naming the option, and comes back as the minimum.
    /// </summary>
    public int CountOrDefault(Setting setting, List<string> problems)
    {
        int value = Count(setting) ?? int.Parse(TextOrDefault(setting), CultureInfo.InvariantCulture);
        if (value >= setting.Minimum) return value;
        problems.Add($"{setting.Option}: {value} must be {setting.Minimum} or more.");
        return setting.Minimum;
    }

    /// <summary>The given number of <paramref name="setting"/> when it is positive and finite; otherwise a problem naming the option, and null.</summary>
    public double? PositiveNumber(Setting setting, List<string> problems)
    {
        double? value = Number(setting);
        if (value is { } v && !(double.IsFinite(v) && v > 0))
        {
            problems.Add($"{setting.Option}: {v.ToString(CultureInfo.InvariantCulture)} must be a positive number.");
            return null;
        }
        return value;
    }

    /// <summary>Where <paramref name="setting"/> was given, or null.</summary>
    public string? OriginOf(string? setting) => setting is null ? null : values.LastOrDefault(v => v.Setting.Name == setting)?.Origin;
}
