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
}
