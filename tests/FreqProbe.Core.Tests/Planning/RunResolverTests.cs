using FreqProbe.Core.Assets;
using FreqProbe.Core.Datasets;
using FreqProbe.Core.Models;
using FreqProbe.Core.Planning;
using FreqProbe.Core.Spectral;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Core.Tests.Planning;

/// <summary>Resolution precedence: given settings &gt; model card &gt; the model's own defaults &gt; built-ins.</summary>
public sealed class RunResolverTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    ResolverEnvironment Env(bool offline = false, string? mirror = null) => new(dir.File("cache"), offline, mirror, "freqprobe test");

    static GivenSettings Given(params (Setting Setting, object Value)[] values) =>
        GivenSettings.From(values.Select(v => new GivenValue(v.Setting, v.Value, v.Setting.Option)));

    string Weights(string name, ModelCard? card = null)
    {
        string path = dir.File(name + ".safetensors");
        File.WriteAllBytes(path, new byte[] { 0 });
        if (card is not null) File.WriteAllText(ModelCard.PathFor(path), card.ToJson());
        return path;
    }

    static ModelCard Card(int inputSize, int? resizeShorter, string dataset = "synthetic") => new()
    {
        Name = "m",
        Model = "cifar-resnet20",
        NumClasses = 12,
        InputSize = inputSize,
        ResizeShorter = resizeShorter,
        Mean = new[] { 0.1f, 0.2f, 0.3f },
        Std = new[] { 0.4f, 0.5f, 0.6f },
        Dataset = dataset,
    };

    [Fact]
    public void The_model_card_supplies_model_classes_data_and_its_own_preprocessing()
    {
        string weights = Weights("carded", Card(40, 48));
        Resolution r = RunResolver.Resolve(Given((RunSettings.Weights, weights)), RunKind.LowPass, Env());
        Assert.True(r.Ok, string.Join("; ", r.Problems));
        Assert.Equal("cifar-resnet20", r.Request!.Model.Name);
        Assert.Equal(12, r.Request.NumClasses);
        Assert.Equal("synthetic", r.Request.Dataset.Name);
        Assert.Equal(new PreprocessPolicy(40, 48), r.Request.Preprocess); // the card's resize, not the model's (none)
        Assert.Equal(new[] { 0.1f, 0.2f, 0.3f }, r.Request.Mean);
        Assert.Equal(new[] { 0.4f, 0.5f, 0.6f }, r.Request.Std);
        Assert.False(r.BuiltInDefault);
    }

    [Fact]
    public void Given_settings_win_over_the_card_and_a_new_input_size_keeps_the_cards_crop_ratio()
    {
        string weights = Weights("carded", Card(40, 48));
        Resolution r = RunResolver.Resolve(Given((RunSettings.Weights, weights), (RunSettings.InputSize, 20), (RunSettings.Mean, "0.5,0.5,0.5"),
            (RunSettings.NumClasses, 20)), RunKind.LowPass, Env());
        Assert.True(r.Ok, string.Join("; ", r.Problems));
        Assert.Equal(new PreprocessPolicy(20, 24), r.Request!.Preprocess);
        Assert.Equal(new[] { 0.5f, 0.5f, 0.5f }, r.Request.Mean);
        Assert.Equal(new[] { 0.4f, 0.5f, 0.6f }, r.Request.Std);
        Assert.Equal(20, r.Request.NumClasses);

        // A card without a resize stays without one at another size.
        string native = Weights("native", Card(32, null));
        Resolution n = RunResolver.Resolve(Given((RunSettings.Weights, native), (RunSettings.InputSize, 64)), RunKind.LowPass, Env());
        Assert.Equal(PreprocessPolicy.Native(64), n.Request!.Preprocess);
    }

    [Fact]
    public void A_model_alone_means_its_standard_weights_its_data_and_radii_for_its_input_size()
    {
        string val = Path.Combine(dir.File("cache"), "datasets", "imagenet", "val");
        Directory.CreateDirectory(val);
        Resolution r = RunResolver.Resolve(Given((RunSettings.Model, "resnet50")), RunKind.LowPass, Env());
        Assert.True(r.Ok, string.Join("; ", r.Problems));
        Assert.False(r.BuiltInDefault);
        Assert.Equal("imagenet", r.Request!.Dataset.Name);
        Assert.Equal(val, r.Request.Dataset.DataPath);
        Assert.Equal(PreprocessPolicy.ResizeAndCentreCrop(224), r.Request.Preprocess);
        Assert.Equal(RadiusList.Parse("4..32:4"), r.Request.Filters.Select(f => f.Radius));
        Assert.Equal("torchvision", r.Request.WeightsName);
        AssetSpec v1 = AssetCatalog.Get("resnet50");
        Assert.Equal(new AssetCache(dir.File("cache")).FinalPath(v1), r.Request.WeightsPath);
        Assert.NotNull(r.Download);
        Assert.Equal(new Uri(v1.Url), r.Download!.Source);
        Assert.EndsWith("resnet50-0676ba61.pth", r.Download.FinalPath, StringComparison.Ordinal);
    }

    [Fact]
    public void Cached_weights_need_no_download_and_a_mirror_replaces_the_host()
    {
        AssetSpec v2 = AssetCatalog.Get("resnet50-v2");
        var cache = new AssetCache(dir.File("cache"));
        Resolution missing = RunResolver.Resolve(Given((RunSettings.Model, "resnet50"), (RunSettings.Weights, "torchvision-v2"), (RunSettings.Dataset, "synthetic")),
            RunKind.LowPass, Env(mirror: "http://127.0.0.1:9/models/"));
        Assert.Equal(new Uri("http://127.0.0.1:9/models/" + v2.FileName), missing.Download!.Source);

        Directory.CreateDirectory(Path.GetDirectoryName(cache.FinalPath(v2))!);
        File.WriteAllBytes(cache.FinalPath(v2), new byte[] { 1 });
        Resolution cached = RunResolver.Resolve(Given((RunSettings.Model, "resnet50"), (RunSettings.Weights, "torchvision-v2"), (RunSettings.Dataset, "synthetic")),
            RunKind.LowPass, Env(offline: true));
        Assert.True(cached.Ok, string.Join("; ", cached.Problems));
        Assert.Null(cached.Download);
        Assert.Equal(cache.FinalPath(v2), cached.Request!.WeightsPath);
    }

    [Fact]
    public void Torchvision_V2_weights_take_their_own_transforms_resize_232_and_V1_keeps_256()
    {
        (Setting, object)[] v2 = { (RunSettings.Model, "resnet50"), (RunSettings.Weights, "torchvision-v2"), (RunSettings.Dataset, "synthetic") };
        Resolution r2 = RunResolver.Resolve(Given(v2), RunKind.LowPass, Env());
        Assert.True(r2.Ok, string.Join("; ", r2.Problems));
        Assert.Equal(new PreprocessPolicy(224, 232), r2.Request!.Preprocess);
        Resolution r1 = RunResolver.Resolve(Given((RunSettings.Model, "resnet50"), (RunSettings.Dataset, "synthetic")), RunKind.LowPass, Env());
        Assert.Equal(new PreprocessPolicy(224, 256), r1.Request!.Preprocess);
        // A smaller input keeps V2's crop ratio; --crop-pct still overrides it.
        Resolution small = RunResolver.Resolve(Given([.. v2, (RunSettings.InputSize, 112)]), RunKind.LowPass, Env());
        Assert.Equal(new PreprocessPolicy(112, 116), small.Request!.Preprocess);
        Resolution cropped = RunResolver.Resolve(Given([.. v2, (RunSettings.CropPct, 0.875)]), RunKind.LowPass, Env());
        Assert.Equal(new PreprocessPolicy(224, 256), cropped.Request!.Preprocess);
    }

    [Fact]
    public void Offline_with_an_empty_cache_is_one_weights_problem_naming_the_url_the_path_and_the_fetch_command()
    {
        Resolution r = RunResolver.Resolve(Given((RunSettings.Model, "resnet50"), (RunSettings.Dataset, "synthetic")), RunKind.LowPass, Env(offline: true));
        Problem problem = Assert.Single(r.Problems);
        Assert.Equal("weights", problem.Setting);
        AssetSpec v1 = AssetCatalog.Get("resnet50");
        Assert.Contains(v1.Url, problem.Message, StringComparison.Ordinal);
        Assert.Contains(new AssetCache(dir.File("cache")).FinalPath(v1), problem.Message, StringComparison.Ordinal);
        Assert.Contains("freqprobe fetch resnet50", problem.Message, StringComparison.Ordinal);
        Assert.Null(r.Request);
        Assert.False(r.BuiltInDefault);
    }

    [Fact]
    public void Missing_imagenet_images_name_the_prepare_command_and_data()
    {
        Resolution r = RunResolver.Resolve(Given((RunSettings.Model, "resnet50"), (RunSettings.Weights, RunResolver.RandomWeights)), RunKind.LowPass, Env());
        Problem problem = Assert.Single(r.Problems);
        Assert.Equal("data", problem.Setting);
        Assert.Contains("freqprobe prepare imagenet-val", problem.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(dir.File("cache"), "datasets", "imagenet", "val"), problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cifar_architectures_have_no_standard_weights_and_say_which_to_pass()
    {
        Resolution r = RunResolver.Resolve(Given((RunSettings.Model, "cifar-resnet20"), (RunSettings.Dataset, "synthetic")), RunKind.LowPass, Env());
        Problem problem = Assert.Single(r.Problems);
        Assert.Equal("weights", problem.Setting);
        foreach (string trained in BuiltInModels.TrainedInRepository) Assert.Contains(trained, problem.Message, StringComparison.Ordinal);
        Assert.Contains("random", problem.Message, StringComparison.Ordinal);

        Resolution random = RunResolver.Resolve(Given((RunSettings.Model, "cifar-resnet20"), (RunSettings.Dataset, "synthetic"), (RunSettings.Weights, "random")),
            RunKind.LowPass, Env());
        Assert.True(random.Ok, string.Join("; ", random.Problems));
        Assert.Null(random.Request!.WeightsPath);
        Assert.Equal(RadiusList.Parse("2..16:2"), random.Request.Filters.Select(f => f.Radius));
    }

    [Fact]
    public void The_builtin_default_runs_only_when_no_model_weights_dataset_or_data_is_given()
    {
        Resolution none = RunResolver.Resolve(GivenSettings.None, RunKind.HighPass, Env());
        Assert.True(none.Ok, string.Join("; ", none.Problems));
        Assert.True(none.BuiltInDefault);
        Assert.Equal(BuiltInModels.Default, none.Request!.WeightsName);
        Assert.Equal("synthetic", none.Request.Dataset.Name);
        Assert.StartsWith(dir.File("cache"), none.Request.WeightsPath!, StringComparison.Ordinal); // materialised in this cache

        foreach (Setting setting in new[] { RunSettings.Model, RunSettings.Weights, RunSettings.Dataset, RunSettings.Data })
        {
            object value = setting == RunSettings.Model ? "cifar-resnet20" : setting == RunSettings.Dataset ? "synthetic" : setting == RunSettings.Weights ? "random" : dir.Path;
            Resolution r = RunResolver.Resolve(Given((setting, value)), RunKind.HighPass, Env());
            Assert.False(r.BuiltInDefault);
            Assert.NotEqual(BuiltInModels.Default, r.Request?.WeightsName);
        }
    }

    [Fact]
    public void Later_layers_win_and_keep_the_position_of_the_first()
    {
        GivenValue V(Setting s, object v, string origin) => new(s, v, origin);
        GivenSettings defaults = GivenSettings.From(new[] { V(RunSettings.Limit, 10, "$.defaults.limit"), V(RunSettings.Threads, 2, "$.defaults.threads") });
        GivenSettings merged = defaults
            .Over(new[] { V(RunSettings.Limit, 20, "$.runs[0].limit"), V(RunSettings.Seed, 3UL, "$.runs[0].seed") })
            .Over(new[] { V(RunSettings.Limit, 30, "--limit") });
        Assert.Equal(30, merged.Count(RunSettings.Limit));
        Assert.Equal("--limit", merged.OriginOf("limit"));
        Assert.Equal("$.defaults.threads", merged.OriginOf("threads"));
        Assert.Equal(new[] { "limit", "threads", "seed" }, merged.All.Select(v => v.Setting.Name));
    }

    [Fact]
    public void Every_problem_is_reported_with_its_setting()
    {
        Resolution r = RunResolver.Resolve(Given((RunSettings.Weights, "builtin:synthetic"), (RunSettings.Limit, 0), (RunSettings.BatchSize, -1),
            (RunSettings.Mean, "1,2"), (RunSettings.Radii, "4..2"), (RunSettings.Shard, "3/2"), (RunSettings.CheckpointEvery, -1.0)), RunKind.LowPass, Env());
        Assert.Equal(new[] { "limit", "batch-size", "mean", "radii", "shard", "checkpoint-every" }.OrderBy(s => s), r.Problems.Select(p => p.Setting!).OrderBy(s => s));
        Assert.All(r.Problems, p => Assert.False(p.Message.StartsWith("--", StringComparison.Ordinal), p.Message));
    }
}
