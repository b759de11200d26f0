using System.Text.Json;
using System.Text.Json.Nodes;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Cli.Tests;

public sealed class SweepConfigCommandTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    string Config(string name, string json) => dir.Write(name, json);

    static JsonElement Rows(string resultsJson) => JsonDocument.Parse(File.ReadAllText(resultsJson)).RootElement.GetProperty("rows");

    [Fact]
    [Trait("Speed", "slow")]
    public void The_shipped_default_config_runs_and_each_run_equals_the_same_single_command()
    {
        string config = Path.Combine(SharedData.RepositoryRoot, "configs", "default.json");
        string outDir = dir.File("default");
        CliRun sweep = CliRun.Invoke("sweep", config, "--limit", "60", "--threads", "2", "--out-dir", outDir, "--quiet");
        Assert.True(sweep.ExitCode == 0, sweep.Error);

        foreach (string run in new[] { "synthetic-lowpass", "synthetic-highpass" })
        {
            Assert.True(File.Exists(Path.Combine(outDir, run + ".csv")), run + ".csv missing");
            string single = dir.File(run + "-single.json");
            CliRun direct = CliRun.Invoke(run.EndsWith("lowpass", StringComparison.Ordinal) ? "lowpass" : "highpass",
                "--weights", "builtin:synthetic", "--dataset", "synthetic", "--per-class", "--radii", "2..16:2", "--limit", "60", "--threads", "1",
                "--batch-size", "7", "--out", single, "--quiet");
            Assert.True(direct.ExitCode == 0, direct.Error);
            JsonElement a = Rows(Path.Combine(outDir, run + ".json")), b = Rows(single);
            Assert.Equal(9, a.GetArrayLength());
            for (int i = 0; i < a.GetArrayLength(); i++)
            {
                Assert.Equal(b[i].GetProperty("correct").GetInt64(), a[i].GetProperty("correct").GetInt64());
                Assert.Equal(b[i].GetProperty("per_class").GetRawText(), a[i].GetProperty("per_class").GetRawText());
            }
        }

        string[] summary = File.ReadAllLines(Path.Combine(outDir, "summary.csv"));
        Assert.Equal(1 + 2 * 9, summary.Length);
        Assert.StartsWith("run,model,", summary[0], StringComparison.Ordinal);
        Assert.Equal(9, summary.Count(l => l.StartsWith("synthetic-highpass,", StringComparison.Ordinal)));
        using JsonDocument provenance = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")));
        Assert.Equal(64, provenance.RootElement.GetProperty("config_sha256").GetString()!.Length);
        Assert.Equal(2, provenance.RootElement.GetProperty("runs").GetArrayLength());
        Assert.Contains("synthetic-lowpass", File.ReadAllText(Path.Combine(outDir, "summary.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_config_error_is_reported_with_its_json_path_and_nothing_runs()
    {
        string config = Config("bad.json", """
            {
              "defaults": { "limit": "ten", "dataset": "synthetic", "name": "x" },
              "runs": [
                { "name": "a", "filter": "lowpass", "radius": "4" },
                { "name": "a", "filter": "lowpass" },
                { "name": "b" },
                { "name": "c", "filter": "lowpass", "bands": "0-4" },
                { "name": "d", "filter": "highpass", "out": "x.csv" },
                { "name": "e", "filter": "lowpass", "radii": "4..x" },
                { "name": "f", "filter": "bandpass", "bands": "0-4", "data": "no-such-folder", "dataset": "cifar10" },
                { "name": "g", "filter": "lowpass", "threads": 0, "clip": "yes", "mean": [0.5, 0.5] },
                { "name": "h h", "filter": "sideways" }
              ],
              "extra": 1
            }
            """);
        string outDir = dir.File("bad-out");
        CliRun run = CliRun.Invoke("sweep", config, "--out-dir", outDir);
        Assert.Equal(2, run.ExitCode);
        string[] expected =
        {
            "$.defaults.limit: \"ten\" is not a positive integer",
            "$.defaults.name: a name belongs to one run",
            "$.runs[0].radius: unknown key",
            "$.runs[1].name: 'a' is already the name of $.runs[0]",
            "$.runs[2]: missing \"filter\"",
            "$.runs[3].bands: \"bands\" belongs to bandpass",
            "$.runs[4].out: not settable in a config",
            "$.runs[6].data: '",
            "$.runs[7].threads: 0 is not a positive integer",
            "$.runs[7].clip: \"yes\" is not true or false",
            "$.runs[7].mean: an array is not three numbers",
            "$.runs[8].name: \"h h\" is not a usable name",
            "$.runs[8].filter: \"sideways\" is not a filter",
            "$.extra: unknown key",
        };
        foreach (string e in expected) Assert.Contains(e, run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir) && Directory.EnumerateFiles(outDir).Any(), "a results file was written for an invalid config");
    }

    [Fact]
    public void Errors_found_by_the_run_itself_point_at_the_key_that_set_the_value()
    {
        string config = Config("radii.json", """
            { "defaults": { "weights": "builtin:synthetic", "dataset": "synthetic" },
              "runs": [ { "name": "ok", "filter": "lowpass", "radii": "2,4" },
                        { "name": "e", "filter": "lowpass", "radii": "4..x" } ] }
            """);
        CliRun run = CliRun.Invoke("sweep", config, "--out-dir", dir.File("o"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("$.runs[1].radii: '", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("$.runs[0]", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Command_line_beats_run_beats_defaults()
    {
        string config = Config("p.json", """
            // comments are allowed
            { "defaults": { "weights": "builtin:synthetic", "dataset": "synthetic", "limit": 50, "seed": 3 },
              "runs": [ { "name": "own", "filter": "lowpass", "radii": [2, 4], "limit": 30, "clip": true },
                        { "name": "inherits", "filter": "highpass", "radii": "2..6:2" } ] }
            """);
        CliRun plain = CliRun.Invoke("sweep", config, "--check", "--out-dir", dir.File("p"));
        Assert.True(plain.ExitCode == 0, plain.Error);
        string[] lines = plain.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("--limit 30", lines.Single(l => l.StartsWith("own:", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("--clip", lines.Single(l => l.StartsWith("own:", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("--limit 50", lines.Single(l => l.StartsWith("inherits:", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("--radii 2,4 ", lines.Single(l => l.StartsWith("own:", StringComparison.Ordinal)), StringComparison.Ordinal);

        CliRun overridden = CliRun.Invoke("sweep", config, "--check", "--limit", "20", "--seed", "7", "--out-dir", dir.File("p"));
        Assert.True(overridden.ExitCode == 0, overridden.Error);
        Assert.All(overridden.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries), line =>
        {
            Assert.Contains("--limit 20", line, StringComparison.Ordinal);
            Assert.Contains("--seed 7", line, StringComparison.Ordinal);
            Assert.DoesNotContain("--limit 30", line, StringComparison.Ordinal);
            Assert.DoesNotContain("--limit 50", line, StringComparison.Ordinal);
        });
        Assert.False(Directory.Exists(dir.File("p")), "--check created the results folder");
    }

    [Fact]
    public void Resume_skips_finished_runs_and_reruns_a_changed_one()
    {
        string json = """
            { "defaults": { "weights": "builtin:synthetic", "dataset": "synthetic", "limit": 12, "threads": 1 },
              "runs": [ { "name": "a", "filter": "lowpass", "radii": "4" }, { "name": "b", "filter": "highpass", "radii": "RADIUS" } ] }
            """;
        string config = Config("r.json", json.Replace("RADIUS", "8", StringComparison.Ordinal));
        string outDir = dir.File("r");
        Assert.Equal(0, CliRun.Invoke("sweep", config, "--out-dir", outDir, "--quiet").ExitCode);
        DateTime firstA = File.GetLastWriteTimeUtc(Path.Combine(outDir, "a.json"));

        Config("r.json", json.Replace("RADIUS", "10", StringComparison.Ordinal));
        CliRun again = CliRun.Invoke("sweep", config, "--out-dir", outDir, "--quiet", "--resume");
        Assert.True(again.ExitCode == 0, again.Error);
        Assert.Contains("a: already done", again.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("b: already done", again.Error, StringComparison.Ordinal);
        Assert.Equal(firstA, File.GetLastWriteTimeUtc(Path.Combine(outDir, "a.json")));
        Assert.Equal("10", Rows(Path.Combine(outDir, "b.json"))[1].GetProperty("radius").ToString());
    }

    [Fact]
    public void Malformed_json_names_the_file_and_line()
    {
        string config = Config("broken.json", "{\n  \"runs\": [\n    { \"name\": \"a\", }\n    { }\n  ]\n}\n");
        CliRun run = CliRun.Invoke("sweep", config);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("broken.json: not valid JSON (line 4", run.Error, StringComparison.Ordinal);
    }

    // Issue 32 #20: names in any script, formats named one by one, a byte-order mark, a decoded cache that is a file.
    [Fact]
    public void Unicode_names_a_byte_order_mark_each_bad_format_and_a_file_as_decoded_cache_are_judged_by_check()
    {
        string good = dir.Write("good.json", "\uFEFF" + """
            { "runs": [ { "name": "é-日本", "weights": "builtin:synthetic", "dataset": "synthetic", "filter": "lowpass", "limit": 4, "radii": "4" } ] }
            """);
        Assert.StartsWith("EF-BB-BF", BitConverter.ToString(File.ReadAllBytes(good)[..3]), StringComparison.Ordinal);
        CliRun run = CliRun.Invoke("sweep", good, "--out-dir", dir.File("good-out"), "-q");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.True(File.Exists(dir.File("good-out/é-日本.json")));

        string blocking = dir.Write("not-a-folder", "x");
        string bad = Config("bad.json", $$"""
            { "defaults": { "weights": "builtin:synthetic", "dataset": "synthetic", "filter": "lowpass", "limit": 4, "radii": "4" },
              "runs": [
                { "name": "a", "formats": ["json", "exe", 3] },
                { "name": "b", "formats": "csv" },
                { "name": "c", "decoded_cache": {{JsonSerializer.Serialize(blocking)}} },
                { "name": "d", "decoded_cache": {{JsonSerializer.Serialize(Path.Combine(blocking, "sub"))}} },
                { "name": "e\u0301" }, { "name": "\u00e9" },
                { "name": "{{new string('x', 201)}}" }
              ] }
            """);
        CliRun check = CliRun.Invoke("sweep", bad, "--check");
        Assert.Equal(2, check.ExitCode);
        foreach (string e in new[]
        {
            "$.runs[0].formats[1]: \"exe\" is not a format; expected one of json, csv, md.",
            "$.runs[0].formats[2]: 3 is not a format",
            "$.runs[1].formats: \"csv\" is not a list of formats; expected a non-empty array",
            $"$.runs[2].decoded_cache: '{blocking}' is a file; expected a folder",
            $"on its path is a file; expected a folder path",
            "$.runs[5].name: 'é' is already the name of $.runs[4]",
            "$.runs[6].name: \"xxx",
        })
        {
            Assert.Contains(e, check.Error, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("an array is not", check.Error, StringComparison.Ordinal);
    }

    // A seeded fuzz loop over configs: a valid config mutated at random (keys dropped, renamed or added, values of
    // every JSON type, names in other scripts, truncation, a byte-order mark). Every one is either accepted by --check
    // or refused with exit 2, each line naming the file; never another exit code, a stack trace or a .NET type.
    [Fact]
    [Trait("Speed", "slow")]
    public void Fuzzed_configs_are_accepted_or_refused_with_exit_2_naming_the_file()
    {
        const int Configs = 400;
        var random = new Random(20261205);
        string[] keys = { "name", "filter", "weights", "model", "dataset", "limit", "radii", "bands", "formats", "predictions", "threads", "batch_size",
            "decoded_cache", "mean", "std", "input_size", "crop_pct", "seed", "clip", "shape", "profile", "forward_timeout", "out", "unknown", "data" };
        JsonNode?[] values =
        {
            null, true, false, 0, -1, 4, 1.5, 1e300, "", "4", "4..32", "0-4,4-8", "lowpass", "bandpass", "synthetic", "builtin:synthetic", "é", "日本",
            "../x", "/proc/self", new JsonArray(), new JsonArray("json", "csv"), new JsonArray("exe"), new JsonArray(0.5, 0.5, 0.5), new JsonObject(),
        };
        JsonNode? Value() => values[random.Next(values.Length)]?.DeepClone();
        int accepted = 0, refused = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < Configs; i++)
        {
            var runs = new JsonArray();
            for (int r = 0; r < random.Next(0, 4); r++)
            {
                var run = new JsonObject { ["name"] = $"r{r}", ["weights"] = "builtin:synthetic", ["dataset"] = "synthetic", ["filter"] = "lowpass", ["limit"] = 4, ["radii"] = "4" };
                for (int m = 0; m < random.Next(0, 4); m++)
                {
                    string key = keys[random.Next(keys.Length)];
                    if (random.Next(3) == 0) run.Remove(key);
                    else run[key] = Value();
                }
                runs.Add(run);
            }
            var root = new JsonObject { ["runs"] = runs };
            if (random.Next(4) == 0) root["defaults"] = new JsonObject { [keys[random.Next(keys.Length)]] = Value() };
            if (random.Next(10) == 0) root[keys[random.Next(keys.Length)]] = Value();
            string text = root.ToJsonString();
            if (random.Next(10) == 0) text = text[..random.Next(text.Length)];
            if (random.Next(10) == 0) text = "\uFEFF" + text;
            string path = dir.Write($"fuzz{i}.json", text);
            CliRun check = CliRun.Invoke("sweep", path, "--check", "-q");
            Assert.True(check.ExitCode is 0 or 2, $"exit {check.ExitCode} for {text}: {check.Error}");
            foreach (string wrong in new[] { "internal error", "Exception", "System.", "   at " })
            {
                Assert.False(check.Error.Contains(wrong, StringComparison.Ordinal), $"'{wrong}' for {text}: {check.Error}");
            }
            if (check.ExitCode == 0) accepted++;
            else
            {
                refused++;
                Assert.All(check.Error.Split('\n').Where(l => l.StartsWith("freqprobe: error:", StringComparison.Ordinal)),
                    line => Assert.Contains($"fuzz{i}.json", line, StringComparison.Ordinal));
            }
        }
        Console.WriteLine($"config fuzz: {Configs} configs in {clock.Elapsed.TotalSeconds:0.0} s: {accepted} accepted, {refused} refused");
        Assert.True(accepted > 0 && refused > 0, $"{accepted} accepted, {refused} refused: the loop no longer tries both");
    }

    [Fact]
    public void An_analysis_run_takes_only_its_own_settings_formats_and_keys()
    {
        string config = dir.File("bad.json");
        File.WriteAllText(config, """
            {"runs": [{"name": "h", "analysis": "heatmap", "radii": "4"}, {"name": "l", "filter": "lowpass", "eps": 3},
                      {"name": "x", "analysis": "nope"}, {"name": "p", "analysis": "interactions", "predictions": true, "formats": ["md"]},
                      {"name": "e", "analysis": "heatmap", "eps": -1}, {"name": "b", "analysis": "heatmap", "filter": "lowpass"}]}
            """);
        CliRun run = CliRun.Invoke("sweep", config, "--check");
        Assert.Equal(2, run.ExitCode);
        foreach (string expected in new[]
        {
            "$.runs[0].radii: \"radii\" belongs to lowpass, highpass and bandpass; heatmap does not take it.",
            "$.runs[1].eps: \"eps\" belongs to heatmap; lowpass does not take it.",
            "$.runs[2].analysis: \"nope\" is not an analysis: one of heatmap, interactions, sensitivity.",
            "$.runs[3].formats[0]: \"md\" is not a format; expected one of csv, json, png, svg.",
            "$.runs[3].predictions: interactions writes no per-image predictions",
            "$.runs[4].eps: -1 must be a positive number.",
            "$.runs[5]: has both \"filter\" and \"analysis\"",
        })
        {
            Assert.Contains(expected, run.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_key_two_analyses_share_binds_to_each_run_s_own_setting_and_its_choices()
    {
        string config = dir.File("namesakes.json");
        File.WriteAllText(config, """
            {"defaults": {"value": "logit", "limit": 4},
             "runs": [{"name": "i", "analysis": "interactions"}, {"name": "s", "analysis": "sensitivity"},
                      {"name": "h", "analysis": "heatmap"}]}
            """);
        CliRun run = CliRun.Invoke("sweep", config, "--check");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("--value logit", run.Out, StringComparison.Ordinal);

        // A choice only one of them offers is refused for the other's runs, naming the run and its choices.
        File.WriteAllText(config, """
            {"runs": [{"name": "i", "analysis": "interactions", "value": "loss"}, {"name": "s", "analysis": "sensitivity", "value": "loss"},
                      {"name": "t", "analysis": "sensitivity", "value": "logp"}]}
            """);
        run = CliRun.Invoke("sweep", config, "--check");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("$.runs[0].value: 'loss' is not a value of interactions; expected one of logodds, logit, logp.", run.Error, StringComparison.Ordinal);
        Assert.Contains("$.runs[2].value: 'logp' is not a value of sensitivity; expected one of loss, logit, logodds.", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("$.runs[1]", run.Error, StringComparison.Ordinal);

        // On the command line, the option stands for both too.
        File.WriteAllText(config, """{"runs": [{"name": "s", "analysis": "sensitivity"}]}""");
        run = CliRun.Invoke("sweep", config, "--check", "--value", "logodds");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("--value logodds", run.Out, StringComparison.Ordinal);
    }
}
