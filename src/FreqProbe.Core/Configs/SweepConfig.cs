using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using FreqProbe.Core.Analyses;
using FreqProbe.Core.Planning;

namespace FreqProbe.Core.Configs;

/// <summary>
/// One run of a sweep config: its name, its command (a filter, or an analysis such as heatmap) and its settings, each
/// with where it was set.
/// </summary>
public sealed record ConfigRun(string Name, string Filter, string JsonPath, IReadOnlyList<string> Formats, bool Predictions, GivenSettings Settings,
    IAnalysis? Analysis = null)
{
    /// <summary>The filter family of the run's command; none for an analysis.</summary>
    public RunKind Kind => Analysis is not null ? RunKind.Unfiltered : Filter switch { "lowpass" => RunKind.LowPass, "highpass" => RunKind.HighPass, _ => RunKind.BandPass };

    /// <summary>The command the run is: lowpass, highpass, bandpass or an analysis's name.</summary>
    public string CommandName => Analysis?.Name ?? Filter;
}

/// <summary>A parsed sweep config.</summary>
public sealed record SweepPlan(string ConfigPath, string Sha256, string? Description, string? OutDir, IReadOnlyList<ConfigRun> Runs);

/// <summary>
/// Reads a sweep config (JSON) into runs. Keys are the settings of lowpass/highpass/bandpass by long name
/// (<see cref="RunSettings"/>; snake_case is accepted too), bound straight to typed settings with their JSON path as
/// origin; a top-level "defaults" object applies to every run and a run's own keys win over it. Relative paths are
/// relative to the config file. Every problem is collected with its JSON path.
/// </summary>
public static partial class SweepConfig
{
    // The keys a run has besides the settings table's.
    static readonly string[] RunOnlyKeys = { "filter", "analysis", "formats", "predictions" };

    // A key's setting: a run setting, or a setting of one of the analyses (each belongs to one).
    static Setting? FindSetting(string key, IReadOnlyList<IAnalysis> analyses) =>
        RunSettings.Find(key) ?? AnalysisSettings.Distinct(analyses).FirstOrDefault(s => s.Name == key);

    /// <summary>The filters a run may name, which are the evaluating commands.</summary>
    public static IReadOnlyList<string> Filters { get; } = new[] { "lowpass", "highpass", "bandpass" };

    /// <summary>The result formats a run may ask for besides JSON.</summary>
    public static IReadOnlyList<string> FormatNames { get; } = new[] { "json", "csv", "md" };

    /// <summary>
    /// Parses <paramref name="path"/>. <paramref name="overrides"/> (option name and value as the command line spells
    /// it) win over the config; a run may name any of <paramref name="registered"/> as its "analysis". Problems go to <paramref name="problems"/>; the plan holds the runs that had none of
    /// their own, so that their remaining checks can still be reported. It is null when the file cannot be read.
    /// </summary>
    public static SweepPlan? Load(string path, IReadOnlyList<GivenValue> overrides, IReadOnlyList<IAnalysis> registered, List<string> problems)
    {
        if (Directory.Exists(path))
        {
            problems.Add($"{path}: is a folder; expected a JSON config file.");
            return null;
        }
        if (!File.Exists(path))
        {
            problems.Add($"{path}: config file not found.");
            return null;
        }
        if (new FileInfo(path).Length == 0)
        {
            // Never opened: a named pipe would block the read forever, and an empty file is no config either.
            problems.Add($"{path}: is empty or not a regular file (a pipe or device); expected a JSON config file.");
            return null;
        }
        byte[] bytes = File.ReadAllBytes(path);
        JsonDocument document;
        try
        {
            // A UTF-8 byte-order mark (Windows editors write one) is not part of the JSON.
            ReadOnlyMemory<byte> json = bytes.AsSpan().StartsWith(Utf8Bom) ? bytes.AsMemory(Utf8Bom.Length) : bytes;
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            problems.Add($"{path}: not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message.Split(" LineNumber", 2)[0]}");
            return null;
        }
        using (document)
        {
            string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
            SweepPlan plan = Read(document.RootElement, path, folder, overrides, registered, problems);
            return plan with { Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)) };
        }
    }

    static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    static SweepPlan Read(JsonElement root, string path, string folder, IReadOnlyList<GivenValue> overrides, IReadOnlyList<IAnalysis> analyses, List<string> problems)
    {
        void Problem(string jsonPath, string message) => problems.Add($"{path}: {jsonPath}: {message}");
        var runs = new List<ConfigRun>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            Problem("$", $"expected an object with \"runs\", got {Describe(root)}.");
            return new SweepPlan(path, "", null, null, runs);
        }
        string? description = null, outDir = null;
        var defaults = new List<GivenValue>();
        var defaultExtras = new Dictionary<string, (JsonElement Value, string At)>(StringComparer.Ordinal);
        JsonElement? runList = null;
        foreach (JsonProperty property in root.EnumerateObject())
        {
            string at = "$." + property.Name;
            switch (property.Name)
            {
                case "description":
                    description = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
                    if (description is null) Problem(at, $"expected a string, got {Describe(property.Value)}.");
                    break;
                case "out_dir":
                    outDir = property.Value.ValueKind == JsonValueKind.String ? Resolve(folder, property.Value.GetString()!) : null;
                    if (outDir is null) Problem(at, $"expected a folder path, got {Describe(property.Value)}.");
                    break;
                case "defaults":
                    if (property.Value.ValueKind != JsonValueKind.Object) Problem(at, $"expected an object of run settings, got {Describe(property.Value)}.");
                    else defaults.AddRange(Settings(property.Value, at, folder, isDefaults: true, defaultExtras, analyses, Problem));
                    break;
                case "runs":
                    runList = property.Value;
                    break;
                default:
                    Problem(at, "unknown key; expected description, out_dir, defaults or runs.");
                    break;
            }
        }
        if (runList is not { ValueKind: JsonValueKind.Array } list || list.GetArrayLength() == 0)
        {
            Problem("$.runs", runList is null ? "missing; expected a non-empty array of runs." : $"expected a non-empty array of runs, got {Describe(runList.Value)}.");
            return new SweepPlan(path, "", description, outDir, runs);
        }

        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        int index = 0;
        foreach (JsonElement run in list.EnumerateArray())
        {
            string at = $"$.runs[{index++}]";
            int before = problems.Count;
            if (run.ValueKind != JsonValueKind.Object)
            {
                Problem(at, $"expected an object, got {Describe(run)}.");
                continue;
            }
            string? name = null;
            if (!run.TryGetProperty("name", out JsonElement nameElement)) Problem(at, "missing \"name\"; every run needs a unique name (it names the results files).");
            else if (nameElement.ValueKind != JsonValueKind.String || !UsableName(nameElement.GetString()!))
            {
                Problem(at + ".name", $"{Describe(nameElement)} is not a usable name; expected letters (of any script), digits, '.', '_' or '-', " +
                    $"starting with a letter or digit, at most {MaxNameBytes} bytes in UTF-8 (it names the run's files).");
            }
            else
            {
                // One spelling per name: "é" typed composed or decomposed names the same files.
                name = nameElement.GetString()!.Normalize(System.Text.NormalizationForm.FormC);
                if (names.TryGetValue(name, out string? first)) Problem(at + ".name", $"'{name}' is already the name of {first}; run names must be unique.");
                else names[name] = at;
            }

            // Later settings win: defaults, then the run's own keys, then the command line.
            var extras = new Dictionary<string, (JsonElement Value, string At)>(defaultExtras, StringComparer.Ordinal);
            GivenSettings settings = GivenSettings.From(defaults)
                .Over(Settings(run, at, folder, isDefaults: false, extras, analyses, Problem).ToArray())
                .Over(overrides);

            // The run's command: a filter, or an analysis. A run's own key wins over one in the defaults.
            string? filter = null;
            IAnalysis? analysis = null;
            bool hasFilter = extras.TryGetValue("filter", out var f), hasAnalysis = extras.TryGetValue("analysis", out var a);
            if (hasFilter && hasAnalysis && f.At.StartsWith("$.defaults", StringComparison.Ordinal) != a.At.StartsWith("$.defaults", StringComparison.Ordinal))
            {
                if (f.At.StartsWith("$.defaults", StringComparison.Ordinal)) hasFilter = false;
                else hasAnalysis = false;
            }
            if (hasFilter && hasAnalysis) Problem(at, "has both \"filter\" and \"analysis\"; expected one: the run's command.");
            else if (hasAnalysis)
            {
                analysis = a.Value.ValueKind == JsonValueKind.String ? analyses.FirstOrDefault(x => x.Name == a.Value.GetString()) : null;
                if (analysis is null) Problem(a.At, $"{Describe(a.Value)} is not an analysis: one of {string.Join(", ", analyses.Select(x => x.Name))}.");
            }
            else if (hasFilter)
            {
                if (f.Value.ValueKind == JsonValueKind.String && Filters.Contains(f.Value.GetString())) filter = f.Value.GetString();
                else Problem(f.At, $"{Describe(f.Value)} is not a filter: one of {string.Join(", ", Filters)}.");
            }
            else
            {
                Problem(at, $"missing \"filter\"; expected one of {string.Join(", ", Filters)} (or \"analysis\": one of {string.Join(", ", analyses.Select(x => x.Name))}).");
            }
            if (analysis is not null || filter is not null) settings = Applicable(settings, analysis, analyses, analysis?.Name ?? filter!, Problem);
            if (filter == "bandpass" && settings.Find(RunSettings.Radii) is { } r) Problem(r.Origin, "\"radii\" belongs to lowpass and highpass; a bandpass run takes \"bands\".");
            else if (filter is "lowpass" or "highpass" && settings.Find(RunSettings.Bands) is { } b) Problem(b.Origin, $"\"bands\" belongs to bandpass; a {filter} run takes \"radii\".");
            else if (filter == "bandpass" && !settings.Has(RunSettings.Bands)) Problem(at, "a bandpass run needs \"bands\", e.g. \"0-4,4-8,8-16\".");

            IReadOnlyList<string> allowed = analysis is null ? FormatNames : analysis.Extensions.Select(e => e.TrimStart('.')).ToArray();
            string[] formats = new[] { "json", "csv" };
            if (extras.TryGetValue("formats", out var fmt))
            {
                if (fmt.Value.ValueKind != JsonValueKind.Array || fmt.Value.GetArrayLength() == 0)
                {
                    Problem(fmt.At, $"{Describe(fmt.Value)} is not a list of formats; expected a non-empty array from {string.Join(", ", allowed)}, e.g. [\"json\", \"csv\"].");
                }
                else
                {
                    int bad = 0, k = 0;
                    foreach (JsonElement format in fmt.Value.EnumerateArray())
                    {
                        if (format.ValueKind != JsonValueKind.String || !allowed.Contains(format.GetString()))
                        {
                            Problem($"{fmt.At}[{k}]", $"{Describe(format)} is not a format; expected one of {string.Join(", ", allowed)}.");
                            bad++;
                        }
                        k++;
                    }
                    if (bad == 0) formats = fmt.Value.EnumerateArray().Select(e => e.GetString()!).Append("json").Distinct().ToArray();
                }
            }
            bool predictions = false;
            if (extras.TryGetValue("predictions", out var p))
            {
                if (p.Value.ValueKind is JsonValueKind.True or JsonValueKind.False) predictions = p.Value.ValueKind == JsonValueKind.True;
                else Problem(p.At, $"{Describe(p.Value)} is not true or false.");
                if (predictions && analysis is not null) Problem(p.At, $"{analysis.Name} writes no per-image predictions; expected it on a filter run.");
            }
            if (name is not null && (filter is not null || analysis is not null) && problems.Count == before)
            {
                runs.Add(new ConfigRun(name, filter ?? analysis!.Name, at, formats, predictions, settings, analysis));
            }
        }
        return new SweepPlan(path, "", description, outDir, runs);
    }

    static IEnumerable<GivenValue> Settings(JsonElement run, string at, string folder, bool isDefaults,
        Dictionary<string, (JsonElement Value, string At)> extras, IReadOnlyList<IAnalysis> analyses, Action<string, string> problem)
    {
        foreach (JsonProperty property in run.EnumerateObject())
        {
            string key = property.Name.Replace('_', '-');
            string where = $"{at}.{property.Name}";
            if (key == "name")
            {
                if (isDefaults) problem(where, "a name belongs to one run, not to the defaults.");
                continue;
            }
            if (RunOnlyKeys.Contains(key))
            {
                extras[key] = (property.Value.Clone(), where);
                continue;
            }
            if (FindSetting(key, analyses) is not { } setting)
            {
                problem(where, $"unknown key; expected name, {string.Join(", ", RunOnlyKeys.Concat(RunSettings.All.Where(s => s.NotInConfig is null).Select(s => s.Name)))}, " +
                    $"or a setting of an analysis ({string.Join(", ", AnalysisSettings.Distinct(analyses).Select(s => s.Name))}).");
                continue;
            }
            if (setting.NotInConfig is { } why)
            {
                problem(where, $"not settable in a config: {why}.");
                continue;
            }
            object? value = Value(property.Value, setting, folder);
            if (value is null) problem(where, $"{Describe(property.Value)} is not {Expected(setting)}.");
            else yield return new GivenValue(setting, value, where);
        }
    }

    // The settings a run's command takes. One set in the run itself that its command does not take is a problem; one
    // from the defaults, which serve runs of every command, is left out of this run.
    static GivenSettings Applicable(GivenSettings settings, IAnalysis? analysis, IReadOnlyList<IAnalysis> analyses, string command, Action<string, string> problem)
    {
        IEnumerable<Setting> takes = analysis is null ? RunSettings.All : RunSettings.ForAnalyses.Concat(analysis.Settings);
        var kept = new List<GivenValue>();
        foreach (GivenValue value in settings.All)
        {
            if (value.Setting.NotInConfig is not null) kept.Add(value);
            else if (AnalysisSettings.Rebind(value, takes, command, problem) is { } own) kept.Add(own);
            else if (takes.Any(s => s.Name == value.Setting.Name)) continue; // a choice the command lacks: said by Rebind
            else if (!value.Origin.StartsWith("$.defaults", StringComparison.Ordinal) && value.Origin.StartsWith("$.", StringComparison.Ordinal))
            {
                string[] owners = analyses.Where(a => a.Settings.Any(s => s.Name == value.Setting.Name)).Select(a => a.Name).ToArray();
                string owner = owners.Length > 0 ? string.Join(" and ", owners) : "lowpass, highpass and bandpass";
                problem(value.Origin, $"\"{value.Setting.Name}\" belongs to {owner}; {command} does not take it.");
            }
        }
        return GivenSettings.From(kept);
    }

    // The typed value of a setting, as the command line would bind it; null when the JSON does not fit the kind.
    static object? Value(JsonElement element, Setting setting, string folder)
    {
        static string Numbers(JsonElement array) => string.Join(',', array.EnumerateArray().Select(e => e.GetDouble().ToString("R", CultureInfo.InvariantCulture)));
        bool numbers = element.ValueKind == JsonValueKind.Array && element.GetArrayLength() > 0 && element.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number);
        return setting.Kind switch
        {
            SettingKind.Text or SettingKind.Shard when element.ValueKind == JsonValueKind.String => element.GetString(),
            SettingKind.Choice when element.ValueKind == JsonValueKind.String && setting.Choices.Contains(element.GetString()) => element.GetString(),
            SettingKind.Path when element.ValueKind == JsonValueKind.String => Resolve(folder, element.GetString()!),
            SettingKind.Weights when element.ValueKind == JsonValueKind.String => element.GetString() is { } text
                && (text.Contains(':', StringComparison.Ordinal) || text is "torchvision" or "torchvision-v2" or RunResolver.RandomWeights) ? text : Resolve(folder, element.GetString()!),
            SettingKind.Flag when element.ValueKind is JsonValueKind.True or JsonValueKind.False => element.ValueKind == JsonValueKind.True,
            SettingKind.Seed when element.ValueKind == JsonValueKind.Number && element.TryGetUInt64(out ulong whole) => whole,
            SettingKind.Count when element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out int count) && count >= Math.Max(setting.Minimum, 0) => count,
            SettingKind.Number when element.ValueKind == JsonValueKind.Number => element.GetDouble(),
            SettingKind.Triple or SettingKind.Radii or SettingKind.Bands when element.ValueKind == JsonValueKind.String => element.GetString(),
            SettingKind.Triple when numbers && element.GetArrayLength() == 3 => Numbers(element),
            SettingKind.Radii when numbers => Numbers(element),
            SettingKind.Bands when element.ValueKind == JsonValueKind.Array && element.GetArrayLength() > 0 && element.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String)
                => string.Join(',', element.EnumerateArray().Select(e => e.GetString())),
            _ => null,
        };
    }

    static string Expected(Setting setting) => setting.Kind switch
    {
        SettingKind.Text or SettingKind.Shard => "a string",
        SettingKind.Choice => $"one of {string.Join(", ", setting.Choices)}",
        SettingKind.Path => "a path (a string; relative paths are relative to the config file)",
        SettingKind.Weights => "a weights path (relative to the config file) or a name such as builtin:synthetic, torchvision or random",
        SettingKind.Flag => "true or false",
        SettingKind.Seed => "a non-negative integer",
        SettingKind.Count => setting.Minimum > 0 ? "a positive integer" : "a non-negative integer",
        SettingKind.Number => "a number",
        SettingKind.Triple => "three numbers, [r, g, b] or \"r,g,b\"",
        SettingKind.Radii => "radii: a string like \"4..32:4\" or an array of numbers",
        SettingKind.Bands => "bands: a string like \"0-4,4-8\" or an array like [\"0-4\", \"4-8\"]",
        _ => "valid",
    };

    static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => $"\"{element.GetString()}\"",
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => element.GetRawText(),
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "null",
    };

    // A path from the config, made relative to the current folder where that is shorter, so commands stay readable.
    static string Resolve(string folder, string path)
    {
        string full = Path.GetFullPath(Path.Combine(folder, path));
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, full);
        return relative.Length < full.Length ? relative : full;
    }

    /// <summary>The longest run name in UTF-8 bytes: with its longest suffix (".predictions.csv") it stays a file name.</summary>
    public const int MaxNameBytes = 200;

    static bool UsableName(string name)
    {
        string composed = name.Normalize(System.Text.NormalizationForm.FormC);
        return NamePattern().IsMatch(composed) && System.Text.Encoding.UTF8.GetByteCount(composed) <= MaxNameBytes;
    }

    [GeneratedRegex(@"^[\p{L}\p{Nd}][\p{L}\p{M}\p{Nd}._-]*$")]
    private static partial Regex NamePattern();
}
