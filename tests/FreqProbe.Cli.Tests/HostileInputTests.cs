using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Models;
using FreqProbe.Core.Planning;
using FreqProbe.Core.Tests.Support;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace FreqProbe.Cli.Tests;

/// <summary>
/// The hostile inputs that once got through (issue "Hostile input, found by trying to break it"), each made here for
/// real: the file, the second process, the edited checkpoint.
/// </summary>
public sealed class HostileInputTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public void Threads_far_beyond_the_cores_are_refused_before_any_work()
    {
        CliRun run = CliRun.Invoke("lowpass", "--limit", "16", "--threads", "9999");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"--threads: 9999 threads is more than {RunLimits.ThreadsPerCore} per core", run.Error, StringComparison.Ordinal);
        Assert.Contains($"expected 1 to {RunLimits.MaxThreads}", run.Error, StringComparison.Ordinal);
        CliRun train = CliRun.Invoke("train", "--model", "cifar-resnet20", "--dataset", "synthetic", "--threads", "9999", "--out", dir.File("t"));
        Assert.Equal(2, train.ExitCode);
        Assert.Contains("--threads: 9999 threads is more than", train.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Results_and_predictions_in_one_file_are_refused_before_any_work()
    {
        string file = dir.File("f.csv");
        CliRun run = CliRun.Invoke("lowpass", "--limit", "4", "--out", file, "--predictions", file);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"--predictions: '{file}' is also the --out file", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(file));

        string classes = dir.File("classes.csv");
        File.WriteAllText(classes, "a\nb\n");
        CliRun onInput = CliRun.Invoke("lowpass", "--model", "cifar-resnet20", "--weights", "random", "--dataset", "imagefolder", "--data", dir.Path,
            "--classes", classes, "--predictions", classes);
        Assert.Equal(2, onInput.ExitCode);
        Assert.Contains($"--predictions: '{classes}' is the class list this run reads", onInput.Error, StringComparison.Ordinal);
        Assert.Equal("a\nb\n", File.ReadAllText(classes));
    }

    [Theory]
    [InlineData("100000")]
    [InlineData("46341")]
    [InlineData("2147483647")]
    public void Huge_input_sizes_name_the_largest_size_allowed_and_why(string size)
    {
        CliRun run = CliRun.Invoke("lowpass", "--limit", "4", "--input-size", size);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"--input-size: {size} pixels is too large", run.Error, StringComparison.Ordinal);
        Assert.Contains($"the largest size at --batch-size 16 is {RunLimits.LargestInputSize(16)}", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", run.Error, StringComparison.Ordinal);
    }

    // Two class folders of small photos; the caller spoils one of them.
    string Folder(string name)
    {
        string root = dir.File(name);
        for (int c = 0; c < 2; c++)
        {
            Directory.CreateDirectory(Path.Combine(root, $"class{c}"));
            for (int i = 0; i < 2; i++)
            {
                int blue = c * 100 + i * 50;
                TestImages.Jpeg(Path.Combine(root, $"class{c}", $"img{i}.jpg"), 48, 40, (x, y) => ((byte)(x * 5), (byte)(y * 6), (byte)blue));
            }
        }
        return root;
    }

    CliRun Evaluate(string data, params string[] extra) => CliRun.Invoke(new[] { "lowpass", "--model", "cifar-resnet20", "--weights", "random", "--dataset", "imagefolder",
        "--data", data, "--radii", "4", "--input-size", "32", "--threads", "1" }.Concat(extra).ToArray());

    [Fact]
    public void A_truncated_jpeg_or_png_is_refused_under_fail_and_skipped_under_skip()
    {
        string root = Folder("truncated");
        string jpeg = Path.Combine(root, "class1", "img1.jpg");
        byte[] whole = File.ReadAllBytes(jpeg);
        File.WriteAllBytes(jpeg, whole[..(whole.Length * 2 / 3)]);
        string png = Path.Combine(root, "class0", "img1.png");
        TestImages.Png(png, 30, 30, (9, 9, 9));
        byte[] pngBytes = File.ReadAllBytes(png);
        File.WriteAllBytes(png, pngBytes[..(pngBytes.Length - 20)]);

        CliRun fail = Evaluate(root);
        Assert.Equal(2, fail.ExitCode);
        Assert.Contains(png, fail.Error, StringComparison.Ordinal); // the first bad one in dataset order
        Assert.Contains("truncated", fail.Error, StringComparison.Ordinal);

        string results = dir.File("r.json");
        CliRun skip = Evaluate(root, "--on-bad-image", "skip", "--out", results, "--quiet");
        Assert.True(skip.ExitCode == 0, skip.Error);
        Assert.Contains($"skipped {jpeg}: the JPEG file is truncated", skip.Error, StringComparison.Ordinal);
        Assert.Contains($"skipped {png}: the PNG file is truncated", skip.Error, StringComparison.Ordinal);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(results));
        Assert.Equal(2, doc.RootElement.GetProperty("run").GetProperty("skipped").GetInt32());
        Assert.Equal(3, doc.RootElement.GetProperty("run").GetProperty("evaluated").GetInt32());
    }

    [Fact]
    public void Empty_and_non_image_files_are_named_under_fail_and_skipped_under_skip()
    {
        string root = Folder("junk");
        string empty = Path.Combine(root, "class0", "empty.jpg");
        string text = Path.Combine(root, "class1", "notes.jpg");
        File.WriteAllBytes(empty, Array.Empty<byte>());
        File.WriteAllText(text, "not an image at all");
        CliRun fail = Evaluate(root);
        Assert.Equal(2, fail.ExitCode);
        Assert.Contains($"{empty}: cannot decode image: the file is empty", fail.Error, StringComparison.Ordinal);
        CliRun skip = Evaluate(root, "--on-bad-image", "skip", "--quiet");
        Assert.True(skip.ExitCode == 0, skip.Error);
        Assert.Contains($"skipped {empty}: the file is empty", skip.Error, StringComparison.Ordinal);
        Assert.Contains($"skipped {text}: not an image in a format FreqProbe reads", skip.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_jpeg_declaring_huge_dimensions_is_refused_before_decoding()
    {
        string root = Folder("bomb");
        string jpeg = Path.Combine(root, "class0", "img0.jpg");
        byte[] bytes = File.ReadAllBytes(jpeg);
        int sof = Enumerable.Range(0, bytes.Length - 1).First(i => bytes[i] == 0xFF && bytes[i + 1] is 0xC0 or 0xC2);
        foreach (int at in new[] { sof + 5, sof + 7 }) { bytes[at] = 30000 >> 8; bytes[at + 1] = 30000 & 0xFF; } // height, width
        File.WriteAllBytes(jpeg, bytes);

        CliRun fail = Evaluate(root);
        Assert.Equal(2, fail.ExitCode);
        Assert.Contains(jpeg, fail.Error, StringComparison.Ordinal);
        Assert.Contains("30000x30000 = 900000000 pixels, more than the limit of 178956970", fail.Error, StringComparison.Ordinal);
        CliRun strict = Evaluate(Folder("small"), "--max-image-pixels", "100");
        Assert.Equal(2, strict.ExitCode);
        Assert.Contains("more than the limit of 100", strict.Error, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void Weights_with_nan_are_refused_naming_the_tensor_unless_allowed()
    {
        string weights = dir.File("nan.pth");
        using (var model = ModelRegistry.Get("cifar-resnet20").Create(10))
        {
            using (no_grad()) model.state_dict()["layer2.1.conv1.weight"][0, 0, 0, 0] = float.NaN;
            model.save_py(weights);
        }
        CliRun refused = CliRun.Invoke("lowpass", "--model", "cifar-resnet20", "--weights", weights, "--dataset", "synthetic", "--limit", "4", "--radii", "4");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains($"--weights: '{weights}': tensor 'layer2.1.conv1.weight' holds 1 NaN", refused.Error, StringComparison.Ordinal);
        Assert.Contains("--allow-nonfinite", refused.Error, StringComparison.Ordinal);
        // Allowed past the weights check, the NaN reaches every logit: refused there, naming the first image and setting,
        // with nothing written (a NaN would otherwise count as class 0 in a normal-looking table).
        string results = dir.File("nan.csv");
        CliRun allowed = CliRun.Invoke("lowpass", "--model", "cifar-resnet20", "--weights", weights, "--dataset", "synthetic", "--limit", "4", "--radii", "4",
            "--allow-nonfinite", "--quiet", "--out", results);
        Assert.Equal(2, allowed.ExitCode);
        Assert.Contains("--weights: the model returned non-finite logits (NaN or infinity) for 8 of 8 input(s) in one forward pass, the first being image 0 under none",
            allowed.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(results));
    }

    // One non-finite class score in one image under one setting (+inf in the classifier's weight row that only a
    // filtered image activates is hard to build; a NaN bias of one class reaches every row): heatmap and interactions
    // refuse it too instead of reporting an error rate or NaN values.
    [Theory]
    [InlineData("heatmap", "image 0 (unperturbed)")]
    [InlineData("interactions", "image 0")]
    public void Non_finite_logits_are_refused_by_every_analysis(string command, string first)
    {
        string weights = dir.File("nanbias.pth");
        using (var model = ModelRegistry.Get("cifar-resnet20").Create(10))
        {
            using (no_grad()) model.state_dict()["fc.bias"][3] = float.PositiveInfinity;
            model.save_py(weights);
        }
        string[] extra = command == "heatmap" ? new[] { "--max-freq", "2" } : new[] { "--images", "1", "--pairs", "1", "--contexts", "1" };
        CliRun run = CliRun.Invoke(new[] { command, "--model", "cifar-resnet20", "--weights", weights, "--dataset", "synthetic", "--limit", "4",
            "--allow-nonfinite", "--quiet" }.Concat(extra).ToArray());
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"non-finite logits (NaN or infinity) for 4 of 4 input(s) in one forward pass, the first being {first}", run.Error, StringComparison.Ordinal);
    }

    // The built-in default with 40 images in batches of 10, interrupted after the first batch.
    static string Checkpoint(string results) =>
        Interrupted.AfterFirstBatch((RunSettings.Limit, 40), (RunSettings.BatchSize, 10), (RunSettings.Radii, "4"), (RunSettings.Out, results));

    [Fact]
    public void An_edited_or_impossible_checkpoint_is_an_input_error_and_nothing_is_overwritten()
    {
        string results = dir.File("r.json");
        string checkpoint = Checkpoint(results);
        File.WriteAllText(results, "previous results");
        string[] resume = { "lowpass", "--limit", "40", "--batch-size", "10", "--radii", "4", "--out", results, "--resume", "--quiet" };
        JsonNode original = JsonNode.Parse(File.ReadAllText(checkpoint))!;
        Assert.Equal(10, original["Done"]!.GetValue<int>());

        foreach ((string edit, int done, bool keepChecksum, string expected) in new[]
        {
            ("claims 5000 done", 5000, true, "its content does not match its checksum"),
            ("claims 5000 done, checksum removed", 5000, false, "it claims 5000 images done of a run over 40"),
            ("negative", -3, false, "it claims -3 images done"),
        })
        {
            JsonNode edited = original.DeepClone();
            edited["Done"] = done;
            if (!keepChecksum) edited.AsObject().Remove("Checksum");
            File.WriteAllText(checkpoint, edited.ToJsonString());
            string before = File.ReadAllText(checkpoint);
            CliRun run = CliRun.Invoke(resume);
            Assert.True(run.ExitCode == 2, edit + ": " + run.Error);
            Assert.True(run.Error.Contains($"--resume: checkpoint {checkpoint} is corrupt or does not belong to this run: {expected}", StringComparison.Ordinal), run.Error);
            Assert.Contains("run without --resume to start afresh", run.Error, StringComparison.Ordinal);
            Assert.Equal("previous results", File.ReadAllText(results));
            Assert.Equal(before, File.ReadAllText(checkpoint));
        }

        CliRun fresh = CliRun.Invoke(resume.Where(a => a != "--resume").ToArray());
        Assert.True(fresh.ExitCode == 0, fresh.Error);
        Assert.False(File.Exists(checkpoint));
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void Resuming_with_predictions_a_run_that_had_none_is_refused()
    {
        string results = dir.File("np.json");
        string checkpoint = Checkpoint(results);
        string before = File.ReadAllText(checkpoint);
        CliRun run = CliRun.Invoke("lowpass", "--limit", "40", "--batch-size", "10", "--radii", "4", "--out", results, "--predictions", dir.File("np.csv"), "--resume", "--quiet");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("was saved by a run without --predictions, so the predictions of its 10 finished images do not exist", run.Error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(checkpoint));
        Assert.False(File.Exists(dir.File("np.csv")));
    }

    [Fact]
    public void Merge_refuses_an_output_that_is_one_of_its_inputs_even_through_a_link()
    {
        for (int k = 0; k < 2; k++) Assert.Equal(0, CliRun.Invoke("lowpass", "--radii", "4", "--limit", "6", "--shard", $"{k}/2", "--out", dir.File($"s{k}.json"), "--quiet").ExitCode);
        string shard = File.ReadAllText(dir.File("s0.json"));
        File.CreateSymbolicLink(dir.File("link.json"), dir.File("s0.json"));
        foreach (string target in new[] { dir.File("s0.json"), dir.File("link.json") })
        {
            CliRun run = CliRun.Invoke("merge", dir.File("s0.json"), dir.File("s1.json"), "--out", target);
            Assert.Equal(2, run.ExitCode);
            Assert.Contains("is also an input", run.Error, StringComparison.Ordinal);
            Assert.Equal(shard, File.ReadAllText(dir.File("s0.json")));
        }
    }

    [Fact]
    public void Compare_and_plot_refuse_to_write_over_an_input()
    {
        string results = dir.File("base.csv");
        Assert.Equal(0, CliRun.Invoke("lowpass", "--radii", "4", "--limit", "6", "--out", results, "--quiet").ExitCode);
        string before = File.ReadAllText(results);
        CliRun compare = CliRun.Invoke("compare", results, results, "--report", results);
        Assert.Equal(2, compare.ExitCode);
        Assert.Contains("--report: ", compare.Error, StringComparison.Ordinal);
        CliRun plot = CliRun.Invoke("plot", results, "--out", dir.File("chart.png"), "--also", results);
        Assert.Equal(2, plot.ExitCode);
        Assert.Contains("is also an input", plot.Error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(results));
    }

    static Process Start(params string[] args) => Interrupted.Start(args);

    [Fact]
    [Trait("Speed", "slow")]
    public void A_second_run_on_the_same_out_refuses_naming_the_first()
    {
        string results = dir.File("shared.json");
        using Process first = Start("lowpass", "--limit", "2000", "--threads", "1", "--out", results, "--quiet");
        string lockFile = results + ".lock";
        var clock = Stopwatch.StartNew();
        while (!File.Exists(lockFile + ".holder") && !first.HasExited && clock.Elapsed < TimeSpan.FromMinutes(2)) Thread.Sleep(20);
        Assert.False(first.HasExited, "the first run ended before the second could start");

        CliRun second = CliRun.Invoke("lowpass", "--limit", "20", "--out", results, "--quiet");
        Assert.Equal(2, second.ExitCode);
        Assert.Contains($"--out: '{results}' is being written by another run (process {first.Id} on", second.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(results));

        first.WaitForExit();
        Assert.Equal(0, first.ExitCode);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(results)); // one complete file, the first run's
        Assert.Equal(2000, doc.RootElement.GetProperty("run").GetProperty("evaluated").GetInt32());
        Assert.False(File.Exists(lockFile));
        Assert.False(File.Exists(lockFile + ".holder"));
    }

    [Theory]
    [Trait("Speed", "slow")]
    [InlineData("TERM", 143)]
    [InlineData("HUP", 129)]
    public void Sigterm_and_sighup_save_a_checkpoint_say_so_and_exit_with_the_conventional_code(string signal, int code)
    {
        string results = dir.File($"{signal}.json");
        string checkpoint = results + ".checkpoint.json";
        string[] args = { "lowpass", "--limit", "1500", "--threads", "1", "--batch-size", "25", "--checkpoint-every", "0.2", "--out", results, "--quiet" };
        using (Process run = Start(args))
        {
            var clock = Stopwatch.StartNew();
            while (!File.Exists(checkpoint) && !run.HasExited && clock.Elapsed < TimeSpan.FromMinutes(2)) Thread.Sleep(20);
            Assert.False(run.HasExited, "the run ended before it could be signalled");
            using (Process kill = Process.Start("kill", new[] { "-" + signal, run.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) })!) kill.WaitForExit();
            string error = run.StandardError.ReadToEnd();
            run.WaitForExit();
            Assert.Equal(code, run.ExitCode);
            Assert.Contains($"interrupted (SIG{signal}); no result files were replaced; the finished images are kept in {checkpoint}", error, StringComparison.Ordinal);
        }
        Assert.True(File.Exists(checkpoint));
        Assert.False(File.Exists(results));
        CliRun resumed = CliRun.Invoke(args.Append("--resume").ToArray());
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(results));
        Assert.Equal(1500, doc.RootElement.GetProperty("run").GetProperty("evaluated").GetInt32());
    }

    [Fact]
    [Trait("Speed", "slow")]
    public async Task A_reader_that_leaves_early_ends_the_run_quietly()
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"dotnet '{Path.Combine(AppContext.BaseDirectory, "freqprobe.dll")}' lowpass --limit 20 --radii 2..16:2 | head -1; echo \"status ${{PIPESTATUS[0]}}\"");
        using Process shell = Process.Start(start)!;
        Task<string> error = shell.StandardError.ReadToEndAsync();
        string output = await shell.StandardOutput.ReadToEndAsync();
        await shell.WaitForExitAsync();
        string errors = await error;
        Assert.StartsWith("filter", output, StringComparison.Ordinal);
        Assert.Contains("status 0", output, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", errors, StringComparison.Ordinal);
    }

    // A run on one of the scripted models whose forward pass never returns (scripts/make_misbehaving_fixtures.py): the
    // first loops in the known-answer check in the verification worker, the second only on real images, in the run.
    static string[] Looping(string fixture, string results, params string[] more) => new[]
    {
        "lowpass", "--weights", Path.Combine(AppContext.BaseDirectory, "Fixtures", "torchscript", fixture + ".pt"),
        "--dataset", "synthetic", "--limit", "8", "--radii", "4", "--threads", "1", "--out", results,
    }.Concat(more).ToArray();

    // Waits for the process, killing it (and failing) if it is still running after two minutes.
    static (int ExitCode, string Error) Finish(Process run, Func<string> error)
    {
        if (!run.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            run.Kill(entireProcessTree: true);
            run.WaitForExit();
            Assert.Fail("the run did not end: " + error());
        }
        run.WaitForExit();
        return (run.ExitCode, error());
    }

    [Theory]
    [Trait("Speed", "slow")]
    [InlineData("loops-always", "a check of the model in the child process (freqprobe verify-worker, process ")]
    [InlineData("loops-on-images", "the model's forward pass has not returned after ")]
    public void A_forward_pass_that_never_returns_ends_the_run_at_its_timeout_with_exit_2(string fixture, string expected)
    {
        string results = dir.File(fixture + ".json");
        using Process run = Start(Looping(fixture, results, "--forward-timeout", "2"));
        Task<string> stderr = run.StandardError.ReadToEndAsync();
        (int code, string error) = Finish(run, () => stderr.Wait(TimeSpan.FromSeconds(5)) ? stderr.Result : "(stderr still open)");
        Assert.True(code == 2, error);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Contains("over the limit of 2 s (--forward-timeout)", error, StringComparison.Ordinal);
        Assert.Contains("no result files were replaced", error, StringComparison.Ordinal);
        Assert.False(File.Exists(results));
        Assert.Empty(Directory.GetFiles(dir.Path, fixture + ".json.lock*"));
        if (fixture == "loops-always")
        {
            string pid = error[(error.IndexOf(expected, StringComparison.Ordinal) + expected.Length)..].Split(')')[0];
            Assert.False(ProcStat.Running(int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture)), $"the verification worker {pid} is still running");
        }
    }

    [Theory]
    [Trait("Speed", "slow")]
    [InlineData("loops-on-images", "TERM", 143, "the model has been inside one forward pass for", "still inside a forward pass")]
    [InlineData("loops-on-images", "HUP", 129, "the model has been inside one forward pass for", "still inside a forward pass")]
    [InlineData("loops-always", "TERM", 143, "verifying 1 convolution or model check(s)", "the checks of the model in the child process were stopped")]
    public void A_signal_ends_a_run_stuck_in_a_forward_pass_with_the_signal_s_code(string fixture, string signal, int code, string waitFor, string expected)
    {
        string results = dir.File(fixture + signal + ".json");
        using Process run = Start(Looping(fixture, results));
        var error = new System.Text.StringBuilder();
        var seen = new ManualResetEventSlim();
        run.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (error) error.AppendLine(e.Data);
            if (e.Data.Contains(waitFor, StringComparison.Ordinal)) seen.Set();
        };
        run.BeginErrorReadLine();
        bool stuck = seen.Wait(TimeSpan.FromMinutes(2));
        if (stuck && fixture == "loops-always") Thread.Sleep(1500); // the worker is inside the endless check by then
        using (Process kill = Process.Start("kill", new[] { "-" + signal, run.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) })!) kill.WaitForExit();
        string Text()
        {
            lock (error) return error.ToString();
        }
        (int exit, string text) = Finish(run, Text);
        Assert.True(stuck, "the run never said it was stuck: " + text);
        Assert.True(exit == code, text);
        Assert.Contains($"interrupted (SIG{signal})", text, StringComparison.Ordinal);
        Assert.Contains(expected, text, StringComparison.Ordinal);
        Assert.False(File.Exists(results));
        Assert.Empty(Directory.GetFiles(dir.Path, Path.GetFileName(results) + ".lock*"));
    }
}
