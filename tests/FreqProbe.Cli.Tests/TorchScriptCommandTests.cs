using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Cli.Tests;

/// <summary>TorchScript models through the commands, on the archives of scripts/make_torchscript_fixtures.py.</summary>
public sealed class TorchScriptCommandTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    public static TheoryData<string> Models => new(TorchScriptFixtures.Models);

    static string Card(string model) => File.ReadAllText(Path.ChangeExtension(TorchScriptFixtures.Archive(model), null) + ".card.json");

    // The card of `model` with `field` replaced (or removed when value is null).
    static string CardWith(string model, params (string Field, JsonNode? Value)[] changes)
    {
        JsonObject card = JsonNode.Parse(Card(model))!.AsObject();
        foreach ((string field, JsonNode? value) in changes)
        {
            if (value is null) card.Remove(field);
            else card[field] = value;
        }
        return card.ToJsonString();
    }

    // (index, filter, radius) -> pred
    static Dictionary<(int, string, string), int> Predictions(string path) =>
        File.ReadLines(path).Skip(1).Select(l => l.Split(','))
            .ToDictionary(f => (int.Parse(f[0], CultureInfo.InvariantCulture), f[2], f[3]), f => int.Parse(f[4], CultureInfo.InvariantCulture));

    [Cifar10Fact]
    [Trait("Speed", "slow")]
    public void Predictions_after_a_lowpass_on_real_CIFAR10_images_match_PyTorch_for_every_archive()
    {
        foreach (string model in TorchScriptFixtures.Models)
        {
            JsonElement expected = TorchScriptFixtures.Expected(model);
            int images = TorchScriptFixtures.Root.GetProperty("images").GetInt32();
            string predictions = dir.File(model + ".csv");
            CliRun run = CliRun.Invoke("lowpass", "--weights", TorchScriptFixtures.Archive(model), "--data", SharedData.Cifar10, "--limit", images.ToString(CultureInfo.InvariantCulture),
                "--radii", "4,8", "--predictions", predictions, "--threads", "2", "-q");
            Assert.True(run.ExitCode == 0, model + ": " + run.Error);
            Dictionary<(int, string, string), int> actual = Predictions(predictions);
            foreach ((string filter, string radius, string key) in new[] { ("none", "", "none"), ("lowpass", "4", "lowpass:4"), ("lowpass", "8", "lowpass:8") })
            {
                int[] want = expected.GetProperty("predictions").GetProperty(key).EnumerateArray().Select(e => e.GetInt32()).ToArray();
                int[] got = Enumerable.Range(0, images).Select(i => actual[(i, filter, radius)]).ToArray();
                Assert.True(want.SequenceEqual(got), $"{model} {key}: FreqProbe [{string.Join(",", got)}] vs PyTorch [{string.Join(",", want)}]");
            }
        }
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void A_model_that_normalises_itself_predicts_as_the_same_network_with_normalisation_outside()
    {
        string inside = dir.File("inside.csv"), outside = dir.File("outside.csv"), result = dir.File("inside.json");
        string[] common = { "--dataset", "synthetic", "--limit", "64", "--radii", "2,6", "-q" };
        CliRun a = CliRun.Invoke(["lowpass", "--weights", TorchScriptFixtures.Archive("tiny-convnext-selfnorm"), "--predictions", inside, "--out", result, .. common]);
        CliRun b = CliRun.Invoke(["lowpass", "--weights", TorchScriptFixtures.Archive("tiny-convnext-traced"), "--predictions", outside, .. common]);
        Assert.True(a.ExitCode == 0, a.Error);
        Assert.True(b.ExitCode == 0, b.Error);
        Assert.Equal(Predictions(outside), Predictions(inside));
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(result));
        JsonElement run = json.RootElement.GetProperty("run");
        Assert.Equal("none", run.GetProperty("mean").GetString());
        Assert.Equal("torchscript:tiny-convnext-selfnorm", run.GetProperty("model").GetString());

        // The same archive given the normalisation outside as well is normalised twice, and says so in its numbers.
        string twice = dir.File("twice.csv");
        CliRun c = CliRun.Invoke(["lowpass", "--weights", TorchScriptFixtures.Archive("tiny-convnext-selfnorm"), "--mean", "0.4914,0.4822,0.4465",
            "--std", "0.2470,0.2435,0.2616", "--predictions", twice, .. common]);
        Assert.True(c.ExitCode == 0, c.Error);
        Assert.NotEqual(Predictions(inside), Predictions(twice));
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void Without_a_card_the_command_names_every_field_it_needs_and_the_options_supply_them()
    {
        string bare = TorchScriptFixtures.CopyTo(dir.Path, "tiny-vit-traced", "bare", card: null);
        CliRun none = CliRun.Invoke("lowpass", "--weights", bare, "--limit", "4");
        Assert.Equal(2, none.ExitCode);
        foreach (string field in new[] { "input_size", "mean and std", "num_classes", "label_space", "bare.card.json", "--input-size", "--num-classes" })
        {
            Assert.Contains(field, none.Error, StringComparison.Ordinal);
        }

        CliRun some = CliRun.Invoke("lowpass", "--weights", bare, "--limit", "4", "--input-size", "32", "--mean", "none", "--std", "none");
        Assert.Equal(2, some.ExitCode);
        Assert.Contains("lacks num_classes, label_space", some.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("input_size", some.Error, StringComparison.Ordinal);

        CliRun all = CliRun.Invoke("lowpass", "--weights", bare, "--limit", "4", "--radii", "4", "--input-size", "32", "--mean", "0.4914,0.4822,0.4465",
            "--std", "0.2470,0.2435,0.2616", "--num-classes", "10", "--dataset", "synthetic", "-q");
        Assert.True(all.ExitCode == 0, all.Error);

        CliRun preview = CliRun.Invoke("preview", "--weights", bare, "--dataset", "synthetic", "--out", dir.File("p.png"));
        Assert.Equal(2, preview.ExitCode);
        Assert.Contains("lacks input_size:", preview.Error, StringComparison.Ordinal);

        string partial = TorchScriptFixtures.CopyTo(dir.Path, "tiny-vit-traced", "partial", CardWith("tiny-vit-traced", ("num_classes", null), ("std", null)));
        CliRun card = CliRun.Invoke("lowpass", "--weights", partial, "--limit", "4", "--data", SharedData.Cifar10);
        Assert.Equal(2, card.ExitCode);
        Assert.Contains("lacks mean and std (or \"none\"), num_classes:", card.Error, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void A_class_list_as_label_space_reads_an_image_folder_with_those_labels()
    {
        string photos = dir.File("photos");
        foreach (string folder in new[] { "cat", "dog" })
        {
            Directory.CreateDirectory(Path.Combine(photos, folder));
            TestImages.Png(Path.Combine(photos, folder, "a.png"), 40, 36, (folder == "cat" ? (byte)200 : (byte)20, 90, 120));
        }
        string models = dir.File("models");
        Directory.CreateDirectory(models);
        File.WriteAllLines(Path.Combine(models, "labels.txt"), Enumerable.Range(0, 8).Select(i => $"other{i}").Concat(new[] { "dog", "cat" }));
        string archive = TorchScriptFixtures.CopyTo(models, "tiny-mobilenetv3-traced", "pets", CardWith("tiny-mobilenetv3-traced", ("label_space", "labels.txt")));
        string predictions = dir.File("p.csv");
        CliRun run = CliRun.Invoke("lowpass", "--weights", archive, "--data", photos, "--radii", "4", "--predictions", predictions, "-q");
        Assert.True(run.ExitCode == 0, run.Error);
        // Labels follow the class list, not the folders present: cat is line 9, dog line 8.
        Assert.Equal(new[] { "8", "9" }, File.ReadLines(predictions).Skip(1).Where(l => l.Split(',')[2] == "none").Select(l => l.Split(',')[1]).Order().ToArray());

        string missing = TorchScriptFixtures.CopyTo(models, "tiny-mobilenetv3-traced", "lost", CardWith("tiny-mobilenetv3-traced", ("label_space", "nowhere.txt")));
        CliRun refused = CliRun.Invoke("lowpass", "--weights", missing, "--data", photos);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("label_space 'nowhere.txt', which is neither cifar10, imagenet, synthetic nor a class-list file", refused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Mean_none_with_std_numbers_is_refused()
    {
        CliRun run = CliRun.Invoke("lowpass", "--weights", TorchScriptFixtures.Archive("tiny-vit-traced"), "--dataset", "synthetic", "--mean", "none");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--std: none for one of --mean and --std needs none for the other", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void An_output_that_is_not_N_by_classes_is_an_input_error()
    {
        string path = TorchScriptFixtures.CopyTo(dir.Path, "tiny-vit-traced", "twelve", CardWith("tiny-vit-traced", ("num_classes", 12)));
        CliRun run = CliRun.Invoke("lowpass", "--weights", path, "--dataset", "synthetic", "--limit", "4");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--num-classes: ", run.Error, StringComparison.Ordinal);
        Assert.Contains("returns [2, 10] for 2 images; expected logits [2, 12] (num_classes in its card)", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void A_model_that_fails_on_the_input_size_is_an_input_error_with_libtorchs_reason()
    {
        CliRun run = CliRun.Invoke("lowpass", "--weights", TorchScriptFixtures.Archive("tiny-vit-traced"), "--dataset", "synthetic", "--input-size", "48", "--limit", "4");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--input-size: ", run.Error, StringComparison.Ordinal);
        Assert.Contains("fails on a batch of 2 x 3 x 48 x 48 inputs: RuntimeError:", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_archive_with_its_card_is_an_input_error_naming_the_damage()
    {
        byte[] bytes = File.ReadAllBytes(TorchScriptFixtures.Archive("tiny-vit-traced"));
        string path = TorchScriptFixtures.CopyTo(dir.Path, "tiny-vit-traced", "cut", Card("tiny-vit-traced"));
        File.WriteAllBytes(path, bytes[..(bytes.Length / 3)]);
        CliRun run = CliRun.Invoke("lowpass", "--weights", path, "--dataset", "synthetic", "--limit", "4");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"--weights: '{path}' is not a TorchScript archive: it is a damaged zip archive", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void The_extension_does_not_matter_and_a_registry_model_is_refused_for_an_archive()
    {
        string renamed = TorchScriptFixtures.CopyTo(dir.Path, "tiny-mobilenetv3-traced", "mobile", Card("tiny-mobilenetv3-traced"));
        File.Move(renamed, dir.File("mobile.weights"));
        CliRun run = CliRun.Invoke("lowpass", "--weights", dir.File("mobile.weights"), "--dataset", "synthetic", "--limit", "8", "--radii", "4", "-q");
        Assert.True(run.ExitCode == 0, run.Error);

        CliRun wrong = CliRun.Invoke("lowpass", "--model", "resnet50", "--weights", TorchScriptFixtures.Archive("tiny-vit-traced"), "--dataset", "synthetic");
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("--model: ", wrong.Error, StringComparison.Ordinal);
        Assert.Contains("is a TorchScript archive, which carries its own network; drop --model resnet50", wrong.Error, StringComparison.Ordinal);

        CliRun stateDict = CliRun.Invoke("lowpass", "--model", "torchscript", "--weights",
            Path.Combine(SharedData.RepositoryRoot, "models", "cifar-resnet20-natural", "cifar-resnet20-natural.safetensors"), "--dataset", "synthetic");
        Assert.Equal(2, stateDict.ExitCode);
        Assert.Contains("is not a TorchScript archive: it is not a zip archive", stateDict.Error, StringComparison.Ordinal);
        Assert.Single(stateDict.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("freqprobe: error:", StringComparison.Ordinal));
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void A_frozen_archive_runs_in_fp32_only_and_has_no_kernels_to_read()
    {
        string archive = TorchScriptFixtures.Archive("tiny-cnn-frozen");
        CliRun fp32 = CliRun.Invoke("lowpass", "--weights", archive, "--dataset", "synthetic", "--limit", "8", "--radii", "4", "-q");
        Assert.True(fp32.ExitCode == 0, fp32.Error);
        CliRun bf16 = CliRun.Invoke("lowpass", "--weights", archive, "--dataset", "synthetic", "--limit", "8", "--radii", "4", "--precision", "bf16");
        Assert.Equal(2, bf16.ExitCode);
        Assert.Contains("--precision: bf16: ", bf16.Error, StringComparison.Ordinal);
        Assert.Contains("frozen archive", bf16.Error, StringComparison.Ordinal);
        CliRun kernels = CliRun.Invoke("kernels", "--weights", archive);
        Assert.Equal(2, kernels.ExitCode);
        Assert.Contains("graph constants, not named parameters", kernels.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_is_for_registry_architectures_and_says_so()
    {
        CliRun run = CliRun.Invoke("train", "--model", "torchscript", "--dataset", "synthetic", "--out", dir.File("x.safetensors"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("torchscript models are evaluated, not trained", run.Error, StringComparison.Ordinal);
        Assert.Contains("cifar-resnet20", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Kernels_reads_every_4D_weight_of_an_archive()
    {
        string csv = dir.File("k.csv");
        CliRun run = CliRun.Invoke("kernels", "--weights", TorchScriptFixtures.Archive("tiny-convnext-scripted"), "--out", csv, "-q");
        Assert.True(run.ExitCode == 0, run.Error);
        string[] expected = TorchScriptFixtures.Expected("tiny-convnext-scripted").GetProperty("conv_weights").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal(expected, File.ReadLines(csv).Skip(1).Select(l => l.Split(',')[0]).ToArray());
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void Interpolation_and_crop_options_override_the_card_and_are_recorded()
    {
        string result = dir.File("r.json");
        CliRun run = CliRun.Invoke("lowpass", "--weights", TorchScriptFixtures.Archive("tiny-mobilenetv3-traced"), "--dataset", "synthetic", "--limit", "4",
            "--radii", "4", "--input-size", "40", "--interpolation", "bicubic", "--crop-pct", "0.8", "--out", result, "-q");
        Assert.True(run.ExitCode == 0, run.Error);
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(result));
        Assert.Equal("resize shorter side to 50 (antialiased bicubic), centre-crop 40, scale to [0,1]",
            json.RootElement.GetProperty("run").GetProperty("preprocess").GetString());

        string bad = TorchScriptFixtures.CopyTo(dir.Path, "tiny-mobilenetv3-traced", "bad", CardWith("tiny-mobilenetv3-traced", ("interpolation", "lanczos"), ("crop_pct", 1.5)));
        CliRun refused = CliRun.Invoke("lowpass", "--weights", bad, "--dataset", "synthetic", "--crop-pct", "0");
        Assert.Equal(2, refused.ExitCode);
        foreach (string expected in new[] { "interpolation 'lanczos'; expected bilinear or bicubic", "crop_pct 1.5", "--crop-pct: 0 is out of range" })
        {
            Assert.Contains(expected, refused.Error, StringComparison.Ordinal);
        }
    }

    // A card's fields are held to the rules of the options that override them (DataConfigRules): std 0 makes every
    // probability NaN, a resize below the crop cannot be cropped. Each bad field is one error line, the field's own,
    // never also "lacks input_size" for a card that has it.
    [Theory]
    [InlineData("std", "[0,0,0]", "says std [0, 0, 0]; expected three positive numbers in [0,1] units (r, g, b), e.g. 0.229,0.224,0.225, or none, as --std takes")]
    [InlineData("std", "[0.2,-0.2,0.2]", "says std [0.2, -0.2, 0.2]; expected three positive numbers")]
    [InlineData("mean", "[0.5,1e39,0.5]", "says mean [0.5, Infinity, 0.5]; expected three numbers in [0,1] units")]
    [InlineData("resize_shorter", "8", "says resize_shorter 8; expected at least the input size 32")]
    [InlineData("input_size", "4", "says input_size 4; expected at least 8 pixels")]
    [InlineData("crop_pct", "7", "says crop_pct 7; expected a fraction in (0, 1]")]
    [InlineData("interpolation", "\"lanczos\"", "says interpolation 'lanczos'; expected bilinear or bicubic")]
    [InlineData("num_classes", "0", "says num_classes 0; expected a positive number of outputs")]
    [InlineData("label_space", "\"klingon\"", "names label_space 'klingon', which is neither cifar10, imagenet, synthetic nor a class-list file beside it")]
    [InlineData("input_size", "\"big\"", "bad.card.json: input_size is \"big\"; expected a whole number")]
    [InlineData("num_classes", "1e3", "bad.card.json: num_classes is 1e3; expected a whole number")]
    [InlineData("mean", "[0.5,0.5]", "bad.card.json: mean is [0.5,0.5]; expected three numbers (r, g, b) or \"none\"")]
    [InlineData("created_utc", "5", "bad.card.json: created_utc is 5; expected a date and time as a string")]
    [InlineData("name", null, "bad.card.json: the card has no name; expected the model's name as a string (usually its weights file's stem, e.g. \"name\": \"bad\")")]
    [InlineData("format", "\"v9\"", "bad.card.json: format is \"v9\"; expected \"freqprobe-model-card/1\"")]
    public void A_card_is_validated_like_the_options(string field, string? value, string expected)
    {
        string bad = TorchScriptFixtures.CopyTo(dir.Path, "tiny-mobilenetv3-traced", "bad", CardWith("tiny-mobilenetv3-traced", (field, value is null ? null : JsonNode.Parse(value))));
        AssertOneCardError(bad, expected);
    }

    [Theory]
    [InlineData("{\"input_size\": 32, ", "bad.card.json: not valid JSON (line 1, byte 20): Expected start of a property name or value, but instead reached end of data")]
    [InlineData("[1, 2]", "bad.card.json: a model card is a JSON object")]
    [InlineData("{\"name\": \"a\", \"name\": \"b\"}", "bad.card.json: not valid JSON")]
    public void A_card_that_is_not_a_card_is_one_error_naming_the_file(string text, string expected)
    {
        string bad = TorchScriptFixtures.CopyTo(dir.Path, "tiny-mobilenetv3-traced", "bad", text);
        AssertOneCardError(bad, expected);
    }

    void AssertOneCardError(string archive, string expected)
    {
        string results = dir.File("bad.csv");
        CliRun refused = CliRun.Invoke("lowpass", "--weights", archive, "--dataset", "synthetic", "--limit", "4", "--radii", "4", "--out", results);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains(expected, refused.Error, StringComparison.Ordinal);
        string[] errors = refused.Error.Split('\n').Where(l => l.StartsWith("freqprobe: error:", StringComparison.Ordinal)).ToArray();
        Assert.True(errors.Length == 1, refused.Error);
        foreach (string wrong in new[] { "lacks", "(there is none)", "System.", "`1", "LineNumber", "ModelCard" })
        {
            Assert.DoesNotContain(wrong, refused.Error, StringComparison.Ordinal);
        }
        Assert.False(File.Exists(results));
    }

    // scripts/make_misbehaving_fixtures.py: the model is at fault, not the input size it was given.
    [Theory]
    [InlineData("batch-one", "runs on one image but fails on a batch of them (RuntimeError: mat1 and mat2 shapes cannot be multiplied")]
    [InlineData("returns-dict", "returns from forward a value TorchSharp cannot read back (a dict, or a nested structure); expected one tensor of logits")]
    [Trait("Speed", "slow")]
    public void A_model_that_takes_one_image_only_or_returns_a_dict_is_blamed_not_the_input_size(string fixture, string expected)
    {
        CliRun refused = CliRun.Invoke("lowpass", "--weights", TorchScriptFixtures.Archive(fixture), "--dataset", "synthetic", "--limit", "4", "--radii", "4");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("freqprobe: error: --weights: ", refused.Error, StringComparison.Ordinal);
        Assert.Contains(expected, refused.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("--input-size:", refused.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Index was out of range", refused.Error, StringComparison.Ordinal);
    }

    public static TheoryData<string[]> OtherCommands => new()
    {
        new[] { "highpass", "--radii", "4", "--limit", "8" },
        new[] { "bandpass", "--bands", "0-4,4-8", "--limit", "8" },
        new[] { "heatmap", "--limit", "4", "--out", "{dir}/h.json" },
        new[] { "bench", "--images", "16", "--repeats", "1" },
        new[] { "preview", "--out", "{dir}/p.png" },
    };

    [Theory]
    [MemberData(nameof(OtherCommands))]
    [Trait("Speed", "slow")]
    public void Every_evaluating_command_takes_an_archive(string[] args)
    {
        string[] full = ["--weights", TorchScriptFixtures.Archive("tiny-convnext-traced"), "--dataset", "synthetic", "-q", .. args.Skip(1)];
        CliRun run = CliRun.Invoke([args[0], .. full.Select(a => a.Replace("{dir}", dir.Path, StringComparison.Ordinal))]);
        Assert.True(run.ExitCode == 0, run.Error);
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void A_sweep_config_runs_archives_beside_registry_models()
    {
        string config = dir.Write("c.json", JsonSerializer.Serialize(new
        {
            runs = new object[]
            {
                new { name = "vit", weights = TorchScriptFixtures.Archive("tiny-vit-scripted"), dataset = "synthetic", filter = "lowpass", radii = "4,8", limit = 16 },
                new { name = "builtin", weights = "builtin:synthetic", dataset = "synthetic", filter = "lowpass", radii = "4,8", limit = 16 },
            },
        }));
        CliRun run = CliRun.Invoke("sweep", config, "--out-dir", dir.File("out"), "-q");
        Assert.True(run.ExitCode == 0, run.Error);
        string summary = File.ReadAllText(dir.File("out/summary.csv"));
        Assert.Contains("torchscript:tiny-vit-scripted", summary, StringComparison.Ordinal);
        Assert.Contains("cifar-resnet20", summary, StringComparison.Ordinal);
    }
}
