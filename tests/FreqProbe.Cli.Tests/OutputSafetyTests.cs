using System.Diagnostics;
using System.Text.Json;
using FreqProbe.Core.IO;
using FreqProbe.Core.Planning;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Cli.Tests;

/// <summary>
/// No output ever destroys an input, crashes are never "regressed", and messages send users the right way (issue "No
/// output ever destroys an input"); each situation is built for real.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class OutputSafetyTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    string Config(string name, string json) => dir.Write(name, json);

    [Fact]
    public void Sweep_outputs_that_collide_with_each_other_or_with_the_config_are_refused_before_anything_runs()
    {
        const string Defaults = "\"defaults\": { \"weights\": \"builtin:synthetic\", \"dataset\": \"synthetic\", \"limit\": 4 }";
        (string Json, string Expected)[] cases =
        {
            ($"{{ {Defaults}, \"runs\": [ {{ \"name\": \"summary\", \"filter\": \"lowpass\" }} ] }}", "the sweep's summary.csv and $.runs[0] (run 'summary')'s csv results are both"),
            ($"{{ {Defaults}, \"runs\": [ {{ \"name\": \"x\", \"filter\": \"lowpass\", \"predictions\": true }}, {{ \"name\": \"x.predictions\", \"filter\": \"highpass\" }} ] }}",
                "(run 'x')'s predictions are both"),
            ($"{{ {Defaults}, \"out_dir\": \".\", \"runs\": [ {{ \"name\": \"self\", \"filter\": \"lowpass\" }} ] }}", "would overwrite the config file"),
        };
        foreach ((string json, string expected) in cases)
        {
            string config = Config("self.json", json);
            CliRun run = CliRun.Invoke("sweep", config);
            Assert.True(run.ExitCode == 2, run.Error);
            Assert.Contains(expected, run.Error, StringComparison.Ordinal);
            Assert.Equal(json, File.ReadAllText(config));
            Assert.Empty(Directory.GetFiles(dir.Path, "*.csv"));
        }
    }

    [Fact]
    public void Out_through_a_link_writes_the_target_and_a_read_only_result_is_refused()
    {
        string target = dir.File("real.json");
        File.WriteAllText(target, "old");
        string link = dir.File("link.json");
        File.CreateSymbolicLink(link, target);
        CliRun run = CliRun.Invoke("lowpass", "--radii", "4", "--limit", "4", "--out", link, "--quiet");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.NotNull(new FileInfo(link).LinkTarget);
        using (JsonDocument doc = JsonDocument.Parse(File.ReadAllText(target))) Assert.Equal(4, doc.RootElement.GetProperty("run").GetProperty("evaluated").GetInt32());

        string locked = dir.File("locked.csv");
        File.WriteAllText(locked, "keep me");
        File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        CliRun refused = CliRun.Invoke("lowpass", "--radii", "4", "--limit", "4", "--out", locked);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("it is read-only (mode 444)", refused.Error, StringComparison.Ordinal);
        Assert.Equal("keep me", File.ReadAllText(locked));
    }

    [Fact]
    public void Compare_checks_its_report_first_and_compares_a_sweep_summary_run_by_run()
    {
        string config = Config("two.json", """
            { "defaults": { "weights": "builtin:synthetic", "dataset": "synthetic", "limit": 20, "radii": "4" },
              "runs": [ { "name": "a", "filter": "lowpass" }, { "name": "b", "filter": "lowpass", "clip": true } ] }
            """);
        Assert.Equal(0, CliRun.Invoke("sweep", config, "--out-dir", dir.File("out"), "--quiet").ExitCode);
        string summary = Path.Combine(dir.File("out"), "summary.csv");
        CliRun same = CliRun.Invoke("compare", summary, summary);
        Assert.True(same.ExitCode == 0, same.Error);
        Assert.Contains("a: cifar-resnet20", same.Out, StringComparison.Ordinal);
        Assert.Contains("b: cifar-resnet20", same.Out, StringComparison.Ordinal);

        CliRun missing = CliRun.Invoke("compare", summary, summary, "--report", dir.File("no/such/dir/r.md"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--report: cannot write", missing.Error, StringComparison.Ordinal);
        Assert.Equal("", missing.Out);

        File.WriteAllText(dir.File("empty.csv"), "");
        CliRun plot = CliRun.Invoke("plot", dir.File("empty.csv"), "--out", dir.File("e.png"));
        Assert.Equal(2, plot.ExitCode);
        Assert.DoesNotContain("IReader state", plot.Error, StringComparison.Ordinal);
        Assert.Equal(2, CliRun.Invoke("compare", dir.File("empty.csv"), summary).ExitCode);
    }

    string Photos(string name, int perClass = 2)
    {
        string root = dir.File(name);
        for (int c = 0; c < 2; c++)
        {
            Directory.CreateDirectory(Path.Combine(root, $"c{c}"));
            for (int i = 0; i < perClass; i++)
            {
                TestImages.Png(Path.Combine(root, $"c{c}", $"p{i}.png"), 40, 36, ((byte)(60 * c), (byte)(90 * i), 120));
            }
        }
        return root;
    }

    static string[] Folder(string data, params string[] extra) => new[] { "lowpass", "--model", "cifar-resnet20", "--weights", "random", "--dataset", "imagefolder",
        "--data", data, "--radii", "4", "--input-size", "32", "--threads", "1" }.Concat(extra).ToArray();

    [Fact]
    public void A_run_sharing_another_runs_predictions_file_refuses_and_preview_never_replaces_its_image()
    {
        string predictions = dir.File("p.csv");
        using (OutputLock.Acquire(predictions, "predictions", "freqprobe lowpass (another run)"))
        {
            CliRun run = CliRun.Invoke("lowpass", "--radii", "4", "--limit", "4", "--predictions", predictions, "--quiet");
            Assert.Equal(2, run.ExitCode);
            Assert.Contains($"--predictions: '{predictions}' is being written by another run", run.Error, StringComparison.Ordinal);
            Assert.Contains("freqprobe lowpass (another run)", run.Error, StringComparison.Ordinal);
        }
        string photo = dir.File("photo.png");
        TestImages.Png(photo, 50, 40, (1, 2, 3));
        byte[] before = File.ReadAllBytes(photo);
        CliRun preview = CliRun.Invoke("preview", "--image", photo, "--out", photo);
        Assert.Equal(2, preview.ExitCode);
        Assert.Equal(before, File.ReadAllBytes(photo));
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void Zero_evaluated_images_is_an_error_but_an_empty_shard_records_n_zero_and_merges()
    {
        string root = Photos("allbad");
        foreach (string file in Directory.GetFiles(root, "*.png", SearchOption.AllDirectories)) File.WriteAllText(file, "not a picture");
        CliRun run = CliRun.Invoke(Folder(root, "--on-bad-image", "skip", "--out", dir.File("none.csv")));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("no image was evaluated: all 4 images were skipped", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("none.csv")));

        Assert.Equal(0, CliRun.Invoke("lowpass", "--radii", "4", "--limit", "1", "--shard", "0/2", "--out", dir.File("s0.json"), "--quiet").ExitCode);
        CliRun empty = CliRun.Invoke("lowpass", "--radii", "4", "--limit", "1", "--shard", "1/2", "--out", dir.File("s1.json"), "--quiet");
        Assert.True(empty.ExitCode == 0, empty.Error);
        CliRun merged = CliRun.Invoke("merge", dir.File("s0.json"), dir.File("s1.json"), "--out", dir.File("m.csv"), "--quiet");
        Assert.True(merged.ExitCode == 0, merged.Error);
        string[] lines = File.ReadAllLines(dir.File("m.csv"));
        string[] header = lines[0].Split(',');
        Assert.Equal("1", lines[1].Split(',')[Array.IndexOf(header, "n")]);
        Assert.Equal("0", lines[1].Split(',')[Array.IndexOf(header, "skipped")]);
    }

    [Fact]
    public void Csv_results_carry_the_skip_count()
    {
        string root = Photos("onebad");
        string bad = Path.Combine(root, "c1", "p0.png");
        File.WriteAllText(bad, "not a picture");
        string results = dir.File("r.csv");
        CliRun run = CliRun.Invoke(Folder(root, "--on-bad-image", "skip", "--out", results, "--quiet"));
        Assert.True(run.ExitCode == 0, run.Error);
        string[] lines = File.ReadAllLines(results);
        int column = Array.IndexOf(lines[0].Split(','), "skipped");
        Assert.True(column >= 0);
        Assert.All(lines.Skip(1), l => Assert.Equal("1", l.Split(',')[column]));
    }

    static bool Root => Environment.UserName == "root";

    // Runs freqprobe as an unprivileged user where the tests run as root (root reads anything), else as this user.
    CliRun Unprivileged(params string[] args)
    {
        string home = dir.File("unprivileged-home");
        Directory.CreateDirectory(home);
        File.SetUnixFileMode(home, (UnixFileMode)0x1FF);
        var start = new ProcessStartInfo(Root ? "setpriv" : "dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        if (Root)
        {
            foreach (string a in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", "env", $"HOME={home}", $"FREQPROBE_HOME={home}", "dotnet" }) start.ArgumentList.Add(a);
        }
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "freqprobe.dll"));
        foreach (string a in args) start.ArgumentList.Add(a);
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return new CliRun(process.ExitCode, output, error.GetAwaiter().GetResult());
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void An_unreadable_image_is_skipped_and_an_unreadable_class_folder_named_without_a_crash()
    {
        string root = Photos("locked");
        foreach (string d in new[] { dir.Path, root, Path.Combine(root, "c0"), Path.Combine(root, "c1") }) File.SetUnixFileMode(d, (UnixFileMode)0x1ED); // 755
        foreach (string f in Directory.GetFiles(root, "*", SearchOption.AllDirectories)) File.SetUnixFileMode(f, (UnixFileMode)0x1A4); // 644
        string image = Path.Combine(root, "c1", "p1.png");
        File.SetUnixFileMode(image, UnixFileMode.None);
        CliRun skip = Unprivileged(Folder(root, "--on-bad-image", "skip", "--quiet"));
        Assert.True(skip.ExitCode == 0, skip.Error);
        Assert.Contains($"skipped {image}: Access to the path", skip.Error, StringComparison.Ordinal);

        File.SetUnixFileMode(Path.Combine(root, "c1"), UnixFileMode.None);
        CliRun folder = Unprivileged(Folder(root));
        Assert.Equal(2, folder.ExitCode);
        Assert.Contains($"--data: cannot read the folder '{Path.Combine(root, "c1")}'", folder.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", folder.Error, StringComparison.Ordinal);
        File.SetUnixFileMode(Path.Combine(root, "c1"), (UnixFileMode)0x1ED);
    }

    [Fact]
    public void Pipes_given_as_a_cifar_batch_weights_or_config_are_refused_at_once()
    {
        string cifar = dir.File("cifar");
        Directory.CreateDirectory(cifar);
        foreach (string fifo in new[] { Path.Combine(cifar, "test_batch.bin"), dir.File("w.pth"), dir.File("c.json") })
        {
            using Process mk = Process.Start("mkfifo", new[] { fifo })!;
            mk.WaitForExit();
        }
        // A blocked read never returns, so each run goes on its own thread and the test waits for it with a limit.
        CliRun Within(params string[] args)
        {
            Task<CliRun> run = Task.Factory.StartNew(() => CliRun.Invoke(args), TaskCreationOptions.LongRunning);
            Assert.True(run.Wait(TimeSpan.FromMinutes(2)), $"blocked on a pipe: freqprobe {string.Join(' ', args)}");
            return run.Result;
        }
        CliRun batch = Within("lowpass", "--model", "cifar-resnet20", "--weights", "random", "--dataset", "cifar10", "--data", cifar, "--radii", "4");
        Assert.Equal(2, batch.ExitCode);
        Assert.Contains("is empty or not a regular file (a pipe or device)", batch.Error, StringComparison.Ordinal);
        CliRun weights = Within("lowpass", "--model", "cifar-resnet20", "--weights", dir.File("w.pth"), "--dataset", "synthetic", "--limit", "2", "--radii", "4");
        Assert.Equal(2, weights.ExitCode);
        Assert.Contains("--weights: ", weights.Error, StringComparison.Ordinal);
        CliRun config = Within("sweep", dir.File("c.json"));
        Assert.Equal(2, config.ExitCode);
    }

    [Fact]
    public void Replacing_the_data_between_interrupt_and_resume_is_refused()
    {
        string cifar = dir.File("cifar");
        Directory.CreateDirectory(cifar);
        string batch = Path.Combine(cifar, "test_batch.bin");
        File.WriteAllBytes(batch, SyntheticCifar.Records(40));
        string results = dir.File("d.json");
        string[] args = { "lowpass", "--model", "cifar-resnet20", "--weights", "random", "--dataset", "cifar10", "--data", cifar, "--radii", "4",
            "--batch-size", "10", "--out", results, "--quiet" };
        string checkpoint = Interrupted.AfterFirstBatch((RunSettings.Model, "cifar-resnet20"), (RunSettings.Weights, "random"), (RunSettings.Dataset, "cifar10"),
            (RunSettings.Data, cifar), (RunSettings.Radii, "4"), (RunSettings.BatchSize, 10), (RunSettings.Out, results));
        Assert.True(File.Exists(checkpoint));

        File.WriteAllBytes(batch, SyntheticCifar.Records(40, label: r => (byte)((r + 3) % 10))); // same size, other content
        CliRun resumed = CliRun.Invoke(args.Append("--resume").ToArray());
        Assert.Equal(2, resumed.ExitCode);
        Assert.Contains($"--resume: the data in {cifar} changed since", resumed.Error, StringComparison.Ordinal);
        Assert.True(File.Exists(results + ".checkpoint.json"));

        File.WriteAllBytes(batch, SyntheticCifar.Records(40)); // the original again
        CliRun restored = CliRun.Invoke(args.Append("--resume").ToArray());
        Assert.True(restored.ExitCode == 0, restored.Error);
    }

    // A .pth-style zip archive with the given data.pkl and storages.
    string Archive(string name, byte[] pickle, params (string Entry, byte[] Bytes)[] extra)
    {
        string path = dir.File(name);
        using (var zip = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Create))
        {
            foreach ((string entry, byte[] bytes) in extra.Prepend(("archive/data.pkl", pickle)))
            {
                using Stream stream = zip.CreateEntry(entry).Open();
                stream.Write(bytes);
            }
        }
        return path;
    }

    static byte[] Pickle(params object[] parts) => parts.SelectMany(p => p switch
    {
        string text => System.Text.Encoding.ASCII.GetBytes(text),
        byte b => new[] { b },
        int n => BitConverter.GetBytes(n),
        byte[] bytes => bytes,
        _ => throw new ArgumentException("part"),
    }).ToArray();

    static byte[] Unicode(string text) => Pickle((byte)'X', text.Length, text);

    CliRun Load(string weights) => CliRun.Invoke("lowpass", "--model", "cifar-resnet20", "--weights", weights, "--dataset", "synthetic", "--limit", "2", "--radii", "4");

    [Fact]
    public void Weights_files_that_are_no_state_dict_say_what_they_are_and_nothing_in_them_runs()
    {
        File.WriteAllText(dir.File("notes.pth"), "hello, these are not weights");
        CliRun text = Load(dir.File("notes.pth"));
        Assert.Equal(2, text.ExitCode);
        Assert.Contains("is not a PyTorch archive (it starts with 'hell')", text.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("old PyTorch format", text.Error, StringComparison.Ordinal);

        File.WriteAllBytes(dir.File("legacy.pth"), new byte[] { 0x80, 0x02, 0x8A, 0x0A });
        Assert.Contains("PyTorch's legacy format", Load(dir.File("legacy.pth")).Error, StringComparison.Ordinal);

        string script = Archive("scripted.pt", Pickle((byte)0x80, (byte)2, (byte)'N', (byte)'.'), ("archive/constants.pkl", new byte[] { 0x80, 2, (byte)'N', (byte)'.' }),
            ("archive/code/__torch__.py", System.Text.Encoding.ASCII.GetBytes("class M: pass")));
        CliRun scripted = Load(script);
        Assert.Equal(2, scripted.ExitCode);
        Assert.Contains("is a TorchScript archive", scripted.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("IObjectConstructor", scripted.Error, StringComparison.Ordinal);

        string marker = dir.File("pwned");
        string hostile = Archive("hostile.pth", Pickle((byte)0x80, (byte)2, "cposix\nsystem\n", Unicode($"touch {marker}"), (byte)0x85, (byte)'R', (byte)'.'));
        CliRun run = Load(hostile);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("calls `posix.system` when unpickled, which FreqProbe never runs", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void A_tensor_declaring_far_more_elements_than_its_storage_is_refused_before_allocating()
    {
        // {"conv1.weight": _rebuild_tensor_v2(storage 0 of 4 floats, 0, (100000, 100000), (0, 0), False, OrderedDict())}
        byte[] pickle = Pickle((byte)0x80, (byte)2, "ccollections\nOrderedDict\n", (byte)')', (byte)'R', (byte)'(', Unicode("conv1.weight"),
            "ctorch._utils\n_rebuild_tensor_v2\n", (byte)'(', (byte)'(', Unicode("storage"), "ctorch\nFloatStorage\n", Unicode("0"), Unicode("cpu"), (byte)'K', (byte)4,
            (byte)'t', (byte)'Q', (byte)'K', (byte)0, (byte)'J', 100000, (byte)'J', 100000, (byte)0x86, (byte)'K', (byte)0, (byte)'K', (byte)0, (byte)0x86, (byte)0x89,
            "ccollections\nOrderedDict\n", (byte)')', (byte)'R', (byte)'t', (byte)'R', (byte)'u', (byte)'.');
        string weights = Archive("huge.pth", pickle, ("archive/data/0", new byte[16]));
        CliRun run = Load(weights);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("declares shape [100000, 100000] with strides [0, 0] (10000000000 elements) over storage 0 of 4 elements", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", run.Error, StringComparison.Ordinal);

        string forged = Archive("forged.pth", pickle, ("archive/data/0", new byte[4]));
        Assert.Contains("storage 0 declares 4 elements of 4 bytes but the archive holds 4 bytes", Load(forged).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Messages_name_the_value_and_what_was_expected()
    {
        (string[] Args, string Expected)[] cases =
        {
            (new[] { "lowpas" }, "Did you mean `freqprobe lowpass`?"),
            (new[] { "lowpass", "--limit", "ten" }, "--limit: 'ten' is not a whole number."),
            (new[] { "lowpass", "--seed", "-1" }, "--seed: '-1' is not a non-negative whole number."),
            (new[] { "lowpass", "--radii", "4..32:-4" }, "--radii: step -4 in '4..32:-4' must be positive."),
            (new[] { "bandpass", "--bands", "a-b" }, "expected e.g. '0-4,4-8,8-16'"),
            (new[] { "plot", "x.json", "--out", "c.png", "--also", "c.txt" }, "--also: 'c.txt' must end in .png or .svg."),
            (new[] { "sweep", "." }, ".: is a folder; expected a JSON config file."),
            (new[] { "lowpass", "--weights", ".", "--model", "cifar-resnet20" }, "is a folder; expected a weights file"),
            (new[] { "lowpass", "--limit", "2", "--out", "/proc/r.csv" }, "on the proc pseudo file system"),
        };
        foreach ((string[] args, string expected) in cases)
        {
            CliRun run = CliRun.Invoke(args);
            Assert.True(run.ExitCode == 2, string.Join(' ', args) + ": " + run.Error);
            Assert.True(run.Error.Contains(expected, StringComparison.Ordinal), string.Join(' ', args) + ": " + run.Error);
            Assert.DoesNotContain("System.", run.Error, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("radii syntax", CliRun.Invoke("bandpass", "--bands", "a-b").Error, StringComparison.Ordinal);
        Assert.DoesNotContain("'4..32'", CliRun.Invoke("bandpass", "--bands", "a-b").Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_image_in_preview_does_not_suggest_an_option_preview_lacks()
    {
        string root = Photos("preview");
        File.WriteAllText(Path.Combine(root, "c0", "p0.png"), "not a picture");
        CliRun run = CliRun.Invoke("preview", "--dataset", "imagefolder", "--data", root, "--limit", "1", "--out", dir.File("p.png"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("cannot decode image", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("--on-bad-image", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_card_whose_class_count_is_too_small_is_blamed_not_num_classes()
    {
        string folder = dir.File("trained");
        Assert.Equal(0, CliRun.Invoke("train", "--model", "cifar-resnet20", "--dataset", "synthetic", "--train-size", "32", "--test-size", "16", "--epochs", "1",
            "--batch-size", "16", "--out", folder, "--name", "m", "--quiet").ExitCode);
        string card = Path.Combine(folder, "m.card.json");
        File.WriteAllText(card, File.ReadAllText(card).Replace("\"num_classes\": 10", "\"num_classes\": 5", StringComparison.Ordinal));
        CliRun run = CliRun.Invoke("lowpass", "--weights", Path.Combine(folder, "m.safetensors"), "--radii", "4", "--limit", "4");
        Assert.Equal(2, run.ExitCode);
        Assert.DoesNotContain("--num-classes:", run.Error, StringComparison.Ordinal);
        Assert.Contains("the model card beside the weights says the model has 5 outputs", run.Error, StringComparison.Ordinal);
    }
}
