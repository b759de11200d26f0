using System.Globalization;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Cli.Tests;

public sealed class CompareCommandTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    // A results CSV in FreqProbe's column layout with the given (radius, n, correct) rows.
    string Results(string name, params (string Radius, int N, int Correct)[] rows)
    {
        var lines = new List<string> { "model,dataset,split,filter,shape,profile,radius,n,correct,top1,top1_low,top1_high,top5,agreement,coefficients_kept,energy_kept" }; // the layout before the skipped column: still read
        foreach (var (radius, n, correct) in rows)
        {
            string filter = radius.Length == 0 ? "none,," : "lowpass,circle,ideal";
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"cifar-resnet20,cifar10,test,{filter},{radius},{n},{correct},{(double)correct / n:0.000000},0,1,,1,1,1"));
        }
        string path = dir.File(name);
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public void Identical_files_pass()
    {
        string a = Results("a.csv", ("", 1000, 900), ("4", 1000, 500));
        CliRun run = CliRun.Invoke("compare", a, a);
        Assert.Equal(0, run.ExitCode);
        Assert.DoesNotContain("REGRESSED", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_drop_beyond_the_tolerance_regresses_and_one_within_does_not()
    {
        string baseline = Results("b.csv", ("", 1000, 900), ("4", 1000, 500));
        string current = Results("c.csv", ("", 1000, 900), ("4", 1000, 470)); // 3 points down at r = 4
        CliRun strict = CliRun.Invoke("compare", baseline, current, "--tolerance", "2", "--report", dir.File("r.md"));
        Assert.Equal(3, strict.ExitCode);
        Assert.Contains("REGRESSED", strict.Out, StringComparison.Ordinal);
        Assert.Contains("dropped 3.00 points", strict.Out, StringComparison.Ordinal);
        string report = File.ReadAllText(dir.File("r.md"));
        Assert.Contains("1 regressed row", report, StringComparison.Ordinal);
        Assert.Contains("| ❌ | cifar-resnet20 | lowpass (circle, ideal) | 4 | 50.00 | 47.00 | 3.00 |", report, StringComparison.Ordinal);
        Assert.Equal(0, CliRun.Invoke("compare", baseline, current, "--tolerance", "5").ExitCode);
        // An improvement is never a regression.
        Assert.Equal(0, CliRun.Invoke("compare", current, baseline, "--tolerance", "0", "--stat").ExitCode);
    }

    [Fact]
    public void Statistical_mode_flags_a_significant_drop_inside_the_tolerance()
    {
        // 900/1000 -> 860/1000: pooled p = 0.88, se = sqrt(0.88 * 0.12 * 2/1000) = 0.014533, z = -2.752,
        // two-sided p = 0.0059, computed by hand.
        string baseline = Results("b.csv", ("", 1000, 900));
        string current = Results("c.csv", ("", 1000, 860));
        Assert.Equal(0, CliRun.Invoke("compare", baseline, current, "--tolerance", "5").ExitCode);
        CliRun stat = CliRun.Invoke("compare", baseline, current, "--tolerance", "5", "--stat", "--alpha", "0.01");
        Assert.Equal(3, stat.ExitCode);
        Assert.Contains("p = 0.0059", stat.Out, StringComparison.Ordinal);
        Assert.Equal(0, CliRun.Invoke("compare", baseline, current, "--tolerance", "5", "--stat", "--alpha", "0.005").ExitCode);
    }

    [Fact]
    public void Files_with_different_rows_cannot_be_compared()
    {
        string baseline = Results("b.csv", ("", 1000, 900), ("4", 1000, 500));
        string current = Results("c.csv", ("", 1000, 900), ("8", 1000, 500));
        CliRun run = CliRun.Invoke("compare", baseline, current);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("do not have the same rows", run.Error, StringComparison.Ordinal);
        Assert.Equal(2, CliRun.Invoke("compare", baseline, dir.File("missing.csv")).ExitCode);
    }

    [Fact]
    public void Compare_reads_real_results_in_both_formats()
    {
        Assert.Equal(0, CliRun.Invoke("lowpass", "--radii", "4", "--limit", "20", "--quiet", "--out", dir.File("r.json")).ExitCode);
        Assert.Equal(0, CliRun.Invoke("lowpass", "--radii", "4", "--limit", "20", "--quiet", "--out", dir.File("r.csv")).ExitCode);
        Assert.Equal(0, CliRun.Invoke("compare", dir.File("r.json"), dir.File("r.csv"), "--tolerance", "0").ExitCode);
    }

    // Issue 32 #5: a result with nothing in it, or with counts that cannot be, must never let the gate pass.
    [Fact]
    public void Degenerate_csv_results_are_refused_naming_the_file_and_row()
    {
        string good = Results("good.csv", ("", 1000, 900), ("4", 1000, 500));
        var cases = new (string File, string Expected)[]
        {
            (Results("empty-rows.csv", ("", 0, 0), ("4", 0, 0)), "scores no image (n = 0)"),
            (Results("over.csv", ("", 1000, 1200), ("4", 1000, 500)), "correct is 1200 of n = 1000"),
            (Results("negative.csv", ("", 1000, -5), ("4", 1000, 500)), "correct is -5 of n = 1000"),
            (Results("mixed-n.csv", ("", 1000, 900), ("4", 10, 5)), "row 'cifar-resnet20 | lowpass (circle, ideal) | 4' has n = 10"),
            (Results("fewer.csv", ("", 16, 15), ("4", 16, 8)), "scores 1000 images in"),
        };
        foreach (var (file, expected) in cases)
        {
            CliRun run = CliRun.Invoke("compare", good, file);
            Assert.True(run.ExitCode == 2, $"{file}: exit {run.ExitCode}, {run.Error}");
            Assert.Contains(expected, run.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("no regression", run.Error, StringComparison.Ordinal);
        }
        string edited = File.ReadAllText(good).Replace(",500,0.500000,", ",500,0.990000,", StringComparison.Ordinal);
        File.WriteAllText(dir.File("edited.csv"), edited);
        CliRun hand = CliRun.Invoke("compare", good, dir.File("edited.csv"));
        Assert.Equal(2, hand.ExitCode);
        Assert.Contains("top1 0.99 but correct / n = 500 / 1000", hand.Error, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void Degenerate_json_results_are_refused_by_every_reader()
    {
        string real = dir.File("r.json");
        Assert.Equal(0, CliRun.Invoke("lowpass", "--radii", "4,8", "--limit", "20", "--per-class", "--quiet", "--out", real).ExitCode);
        string text = File.ReadAllText(real);
        var json = System.Text.Json.Nodes.JsonNode.Parse(text)!;
        string Variant(string name, Action<System.Text.Json.Nodes.JsonNode> edit)
        {
            var copy = json.DeepClone();
            edit(copy);
            string path = dir.File(name);
            File.WriteAllText(path, copy.ToJsonString());
            return path;
        }
        var rows = json["rows"]!.AsArray();
        long n = (long)rows[0]!["n"]!;
        var cases = new (string File, string Expected)[]
        {
            (Variant("over.json", j => j["rows"]![1]!["correct"] = n + 1), $"correct is {n + 1} of n = {n}"),
            (Variant("agree.json", j => j["rows"]![1]!["agreeing"] = -1), "agreeing is -1"),
            (Variant("classes.json", j => j["rows"]![1]!["per_class"]![0]!["n"] = (long)j["rows"]![1]!["per_class"]![0]!["n"]! + 1), "per-class counts add up to"),
            (Variant("twice.json", j => j["rows"]!.AsArray().Add(j["rows"]![1]!.DeepClone())), "has 2 rows; expected one row per setting"),
            (Variant("n.json", j => { j["rows"]![2]!["n"] = n + 5; }), $"{n + 5}"),
            (Variant("evaluated.json", j => j["run"]!["evaluated"] = 999), "records 999 images evaluated"),
            (Variant("energy.json", j => j["rows"]![1]!["coefficients_kept"] = 7), "coefficients_kept 7"),
        };
        // A key written twice: which value counts would be a guess.
        string duplicated = dir.File("duplicated.json");
        File.WriteAllText(duplicated, text.Replace("\"correct\":", "\"correct\": 0, \"correct\":", StringComparison.Ordinal));
        cases = cases.Append((duplicated, "correct")).ToArray();
        foreach (var (file, expected) in cases)
        {
            foreach (string[] args in new[] { new[] { "compare", real, file }, new[] { "plot", file, "--out", dir.File("p.png") }, new[] { "merge", file, real, "--out", dir.File("m.json") } })
            {
                CliRun run = CliRun.Invoke(args);
                Assert.True(run.ExitCode == 2, $"{string.Join(' ', args)}: exit {run.ExitCode}, {run.Error}");
                Assert.Contains(Path.GetFileName(file), run.Error, StringComparison.Ordinal);
                Assert.Contains(expected, run.Error, StringComparison.Ordinal);
            }
        }
        Assert.False(File.Exists(dir.File("p.png")));
        Assert.False(File.Exists(dir.File("m.json")));
    }
}
