using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FreqProbe.Cli.Commands;

/// <summary>One run of a sweep config: its name, its filter command and the option values, each with where it was set.</summary>
internal sealed record ConfigRun(string Name, string Filter, string JsonPath, IReadOnlyList<string> Formats, bool Predictions, IReadOnlyList<ConfigSetting> Settings);

/// <summary>An option value as the command line spells it ("true"/"false" for flags) and where it was set: a JSON path, or "the command line".</summary>
internal sealed record ConfigSetting(string Option, string? Value, string Origin);

/// <summary>A parsed sweep config.</summary>
internal sealed record SweepPlan(string ConfigPath, string Sha256, string? Description, string? OutDir, IReadOnlyList<ConfigRun> Runs);

/// <summary>
/// Reads a sweep config (JSON) into runs. Keys are the long option names of lowpass/highpass/bandpass without the
/// dashes (snake_case is accepted too); a top-level "defaults" object applies to every run and a run's own keys win
/// over it. Relative paths are relative to the config file. Every problem is collected with its JSON path.
/// </summary>
internal static partial class SweepConfig
{
    enum Kind { Text, Path, Flag, Integer, Count, Number, Triple, Radii, Bands, Filter, Formats, Boolean }

    static readonly Dictionary<string, Kind> RunKeys = new(StringComparer.Ordinal)
    {
        ["filter"] = Kind.Filter,
        ["formats"] = Kind.Formats,
        ["predictions"] = Kind.Boolean,
        ["model"] = Kind.Text,
        ["weights"] = Kind.Path,
        ["dataset"] = Kind.Text,
        ["data"] = Kind.Path,
        ["split"] = Kind.Text,
        ["classes"] = Kind.Path,
        ["num-classes"] = Kind.Count,
        ["mean"] = Kind.Triple,
        ["std"] = Kind.Triple,
        ["input-size"] = Kind.Count,
        ["shape"] = Kind.Text,
        ["profile"] = Kind.Text,
        ["clip"] = Kind.Flag,
        ["batch-size"] = Kind.Count,
        ["threads"] = Kind.Count,
        ["device"] = Kind.Text,
        ["precision"] = Kind.Text,
        ["layout"] = Kind.Text,
        ["limit"] = Kind.Count,
        ["shard"] = Kind.Text,
        ["seed"] = Kind.Integer,
        ["on-bad-image"] = Kind.Text,
        ["per-class"] = Kind.Flag,
        ["checkpoint-every"] = Kind.Number,
        ["radii"] = Kind.Radii,
        ["bands"] = Kind.Bands,
    };

    static readonly Dictionary<string, string> CommandLineOnly = new(StringComparer.Ordinal)
    {
        ["out"] = "a config's results go to OUT_DIR/NAME.json (plus the run's \"formats\"); set the folder with \"out_dir\" or --out-dir",
        ["resume"] = "pass --resume to `freqprobe sweep`",
        ["quiet"] = "pass --quiet to `freqprobe sweep`",
    };

    /// <summary>The filters a run may name, which are the evaluating commands.</summary>
    public static IReadOnlyList<string> Filters { get; } = new[] { "lowpass", "highpass", "bandpass" };

    /// <summary>The result formats a run may ask for besides JSON.</summary>
    public static IReadOnlyList<string> FormatNames { get; } = new[] { "json", "csv", "md" };

    /// <summary>
    /// Parses <paramref name="path"/>. <paramref name="overrides"/> (option name and value as the command line spells
    /// it) win over the config. Problems go to <paramref name="problems"/>; the plan holds the runs that had none of
    /// their own, so that their remaining checks can still be reported. It is null when the file cannot be read.
    /// </summary>
    public static SweepPlan? Load(string path, IReadOnlyList<(string Option, string? Value)> overrides, List<string> problems)
    {
        if (!File.Exists(path))
        {
            problems.Add($"{path}: config file not found.");
            return null;
        }
        byte[] bytes = File.ReadAllBytes(path);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            problems.Add($"{path}: not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message.Split(" LineNumber", 2)[0]}");
            return null;
        }
        using (document)
        {
            string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
            SweepPlan plan = Read(document.RootElement, path, folder, overrides, problems);
            return plan with { Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)) };
        }
    }

    static SweepPlan Read(JsonElement root, string path, string folder, IReadOnlyList<(string Option, string? Value)> overrides, List<string> problems)
    {
        void Problem(string jsonPath, string message) => problems.Add($"{path}: {jsonPath}: {message}");
        var runs = new List<ConfigRun>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            Problem("$", $"expected an object with \"runs\", got {Describe(root)}.");
            return new SweepPlan(path, "", null, null, runs);
        }
        string? description = null, outDir = null;
        var defaults = new List<ConfigSetting>();
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
                    else defaults.AddRange(Settings(property.Value, at, folder, isDefaults: true, Problem));
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
            else if (nameElement.ValueKind != JsonValueKind.String || !NamePattern().IsMatch(nameElement.GetString()!))
                Problem(at + ".name", $"{Describe(nameElement)} is not a usable name; expected letters, digits, '.', '_' or '-', starting with a letter or digit.");
            else
            {
                name = nameElement.GetString()!;
                if (names.TryGetValue(name, out string? first)) Problem(at + ".name", $"'{name}' is already the name of {first}; run names must be unique.");
                else names[name] = at;
            }

            // Later settings win: defaults, then the run's own keys, then the command line.
            var settings = new List<ConfigSetting>(defaults);
            settings.AddRange(Settings(run, at, folder, isDefaults: false, Problem));
            settings.AddRange(overrides.Select(o => new ConfigSetting(o.Option, o.Value, "the command line")));
            var effective = new Dictionary<string, ConfigSetting>(StringComparer.Ordinal);
            foreach (ConfigSetting s in settings) effective[s.Option] = s;

            string? filter = effective.TryGetValue("filter", out ConfigSetting? f) ? f.Value : null;
            if (filter is null && !run.TryGetProperty("filter", out _)) Problem(at, $"missing \"filter\"; expected one of {string.Join(", ", Filters)}.");
            else if (filter == "bandpass" && effective.TryGetValue("radii", out ConfigSetting? r)) Problem(r.Origin, "\"radii\" belongs to lowpass and highpass; a bandpass run takes \"bands\".");
            else if (filter != "bandpass" && effective.TryGetValue("bands", out ConfigSetting? b)) Problem(b.Origin, $"\"bands\" belongs to bandpass; a {filter} run takes \"radii\".");
            else if (filter == "bandpass" && !effective.ContainsKey("bands")) Problem(at, "a bandpass run needs \"bands\", e.g. \"0-4,4-8,8-16\".");

            string[] formats = effective.TryGetValue("formats", out ConfigSetting? fmt) ? fmt.Value!.Split(',') : new[] { "json", "csv" };
            bool predictions = effective.TryGetValue("predictions", out ConfigSetting? p) && p.Value == "true";
            var options = effective.Values.Where(s => s.Option is not ("filter" or "formats" or "predictions")).ToArray();
            if (name is not null && filter is not null && problems.Count == before) runs.Add(new ConfigRun(name, filter, at, formats, predictions, options));
        }
        return new SweepPlan(path, "", description, outDir, runs);
    }

    static IEnumerable<ConfigSetting> Settings(JsonElement run, string at, string folder, bool isDefaults, Action<string, string> problem)
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
            if (CommandLineOnly.TryGetValue(key, out string? why))
            {
                problem(where, $"not settable in a config: {why}.");
                continue;
            }
            if (!RunKeys.TryGetValue(key, out Kind kind))
            {
                problem(where, $"unknown key; expected name, {string.Join(", ", RunKeys.Keys)}.");
                continue;
            }
            string? value = Value(property.Value, kind, folder, out string? error);
            if (error is not null) problem(where, error);
            else yield return new ConfigSetting(key, value, where);
        }
    }

    // The value as the command line would spell it; null and an error message when the JSON type is wrong.
    static string? Value(JsonElement element, Kind kind, string folder, out string? error)
    {
        error = null;
        switch (kind)
        {
            case Kind.Text when element.ValueKind == JsonValueKind.String:
                return element.GetString();
            case Kind.Path when element.ValueKind == JsonValueKind.String:
                string text = element.GetString()!;
                return text.Contains(':', StringComparison.Ordinal) || text is "torchvision" or "torchvision-v2" ? text : Resolve(folder, text);
            case Kind.Flag or Kind.Boolean when element.ValueKind is JsonValueKind.True or JsonValueKind.False:
                return element.ValueKind == JsonValueKind.True ? "true" : "false";
            case Kind.Integer when element.ValueKind == JsonValueKind.Number && element.TryGetUInt64(out ulong whole):
                return whole.ToString(CultureInfo.InvariantCulture);
            case Kind.Count when element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out int count) && count > 0:
                return count.ToString(CultureInfo.InvariantCulture);
            case Kind.Number when element.ValueKind == JsonValueKind.Number:
                return element.GetDouble().ToString("R", CultureInfo.InvariantCulture);
            case Kind.Triple when element.ValueKind == JsonValueKind.String:
                return element.GetString();
            case Kind.Triple when element.ValueKind == JsonValueKind.Array && element.GetArrayLength() == 3 && element.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number):
                return string.Join(',', element.EnumerateArray().Select(e => e.GetDouble().ToString("R", CultureInfo.InvariantCulture)));
            case Kind.Radii when element.ValueKind == JsonValueKind.String:
                return element.GetString();
            case Kind.Radii when element.ValueKind == JsonValueKind.Array && element.GetArrayLength() > 0 && element.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number):
                return string.Join(',', element.EnumerateArray().Select(e => e.GetDouble().ToString("R", CultureInfo.InvariantCulture)));
            case Kind.Bands when element.ValueKind == JsonValueKind.String:
                return element.GetString();
            case Kind.Bands when element.ValueKind == JsonValueKind.Array && element.GetArrayLength() > 0 && element.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String):
                return string.Join(',', element.EnumerateArray().Select(e => e.GetString()));
            case Kind.Filter when element.ValueKind == JsonValueKind.String && Filters.Contains(element.GetString()):
                return element.GetString();
            case Kind.Formats when element.ValueKind == JsonValueKind.Array && element.GetArrayLength() > 0
                                   && element.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String && FormatNames.Contains(e.GetString())):
                return string.Join(',', element.EnumerateArray().Select(e => e.GetString()).Append("json").Distinct());
        }
        error = $"{Describe(element)} is not {Expected(kind)}.";
        return null;
    }

    static string Expected(Kind kind) => kind switch
    {
        Kind.Text => "a string",
        Kind.Path => "a path (a string; relative paths are relative to the config file)",
        Kind.Flag or Kind.Boolean => "true or false",
        Kind.Integer => "a non-negative integer",
        Kind.Count => "a positive integer",
        Kind.Number => "a number",
        Kind.Triple => "three numbers, [r, g, b] or \"r,g,b\"",
        Kind.Radii => "radii: a string like \"4..32:4\" or an array of numbers",
        Kind.Bands => "bands: a string like \"0-4,4-8\" or an array like [\"0-4\", \"4-8\"]",
        Kind.Filter => $"a filter: one of {string.Join(", ", Filters)}",
        Kind.Formats => $"a non-empty array of formats from {string.Join(", ", FormatNames)}",
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

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex NamePattern();
}
