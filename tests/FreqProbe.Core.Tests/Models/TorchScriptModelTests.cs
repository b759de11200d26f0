using FreqProbe.Core.Execution;
using System.IO.Compression;
using System.Text.Json;
using FreqProbe.Core.Datasets;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Models;
using FreqProbe.Core.Spectral;
using FreqProbe.Core.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Models;

public sealed class TorchScriptModelTests
{
    static readonly float[] CifarMean = { 0.4914f, 0.4822f, 0.4465f };
    static readonly float[] CifarStd = { 0.2470f, 0.2435f, 0.2616f };

    public static TheoryData<string> Models => new(TorchScriptFixtures.Models);

    static Tensor Input(string model)
    {
        Tensor x = tensor(TorchScriptFixtures.FixedInput(), new long[] { 4, 3, 32, 32 });
        return model.EndsWith("selfnorm", StringComparison.Ordinal)
            ? x
            : (x - tensor(CifarMean, new long[] { 1, 3, 1, 1 })) / tensor(CifarStd, new long[] { 1, 3, 1, 1 });
    }

    static void AssertLogits(string model, Tensor logits, double tolerance) => TorchScriptFixtures.AssertLogits(model, logits, tolerance);

    // torch.jit.trace writes torch._convolution(..., allow_tf32) with the flag as it was (True by default), and cuDNN then
    // runs that convolution in TF32 on a GPU; torch.jit.script writes conv2d, which follows the global flag.
    [Theory]
    [InlineData("tiny-vit-traced", true)]
    [InlineData("tiny-convnext-traced", true)]
    [InlineData("tiny-mobilenetv3-traced", true)]
    [InlineData("tiny-bottleneck-traced", true)]
    [InlineData("tiny-vit-scripted", false)]
    [InlineData("tiny-convnext-scripted", false)]
    [InlineData("tiny-mobilenetv3-scripted", false)]
    [Trait("Speed", "slow")]
    public void Traced_convolutions_that_ask_for_TF32_are_counted(string model, bool traced)
    {
        using var network = TorchScriptArchive.Load(TorchScriptFixtures.Archive(model));
        if (traced) Assert.True(network.Tf32Convolutions > 0, $"{model}: no TF32 convolution found");
        else Assert.Equal(0, network.Tf32Convolutions);
    }

    [Fact]
    public void Only_the_thirteenth_argument_of_convolution_calls_decides_TF32()
    {
        const string traced = "_0 = torch._convolution(x, w, b, [1, 1], [0, 0], [1, 1], False, [0, 0], 1, False, False, True, True)";
        Assert.Equal(1, TorchScriptArchive.Tf32Convolutions(traced));
        Assert.Equal(0, TorchScriptArchive.Tf32Convolutions(traced.Replace("True, True)", "True, False)", StringComparison.Ordinal)));
        Assert.Equal(2, TorchScriptArchive.Tf32Convolutions(traced + "\n" + traced.Replace("(x, w", "(torch.relu(x), torch.mul(w, 2)", StringComparison.Ordinal)));
        Assert.Equal(0, TorchScriptArchive.Tf32Convolutions("torch._convolution_mode(x, w, b, [1, 1], \"same\", [1, 1], 1)"));
        Assert.Equal(0, TorchScriptArchive.Tf32Convolutions("torch.conv2d(x, w, b, [1, 1], [0, 0], [1, 1], 1)"));
        Assert.Equal(0, TorchScriptArchive.Tf32Convolutions("torch._convolution(x, w, b, [1, 1], [0, 0]"));
    }

    [Theory]
    [MemberData(nameof(Models))]
    [Trait("Speed", "slow")]
    public void Archives_are_recognised_by_their_layout_and_match_PyTorch_logits(string model)
    {
        string path = TorchScriptFixtures.Archive(model);
        Assert.True(TorchScriptArchive.Is(path));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using nn.Module<Tensor, Tensor> network = ModelRegistry.Get(ModelRegistry.TorchScript).Open(10, path);
        Assert.False(network.training);
        AssertLogits(model, network.forward(Input(model)), 1e-5);
    }

    [Theory]
    [MemberData(nameof(Models))]
    [Trait("Speed", "slow")]
    public void The_inference_path_channels_last_matches_PyTorch_and_bf16_stays_close(string model)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using (nn.Module<Tensor, Tensor> network = ModelRegistry.Get(ModelRegistry.TorchScript).Open(10, TorchScriptFixtures.Archive(model)))
        {
            Tensor input = Input(model);
            ExecutionPlan plan = VerifiedForward.Plan(network, input.shape[0], (int)input.shape[2], "nhwc", archive: TorchScriptFixtures.Archive(model));
            Assert.Equal("nhwc", plan.Layout);
            AssertLogits(model, plan.Forward(input), 1e-5);
        }
        using (nn.Module<Tensor, Tensor> network = ModelRegistry.Get(ModelRegistry.TorchScript).Open(10, TorchScriptFixtures.Archive(model)))
        {
            Tensor input = Input(model);
            Tensor logits = VerifiedForward.Plan(network, input.shape[0], (int)input.shape[2], "nchw", "bf16", TorchScriptFixtures.Archive(model)).Forward(input);
            Assert.Equal(ScalarType.Float32, logits.dtype);
            AssertLogits(model, logits, 0.1); // bf16 keeps 8 bits of mantissa
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Parameters_keep_their_PyTorch_names_so_every_4D_weight_is_found(string model)
    {
        string[] expected = TorchScriptFixtures.Expected(model).GetProperty("conv_weights").EnumerateArray().Select(e => e.GetString()!).ToArray();
        using nn.Module<Tensor, Tensor> network = ModelRegistry.Get(ModelRegistry.TorchScript).Open(10, TorchScriptFixtures.Archive(model));
        Assert.Equal(expected, KernelSpectra.ConvolutionWeights(network).Select(w => w.Layer).ToArray());
    }

    [Fact]
    public void A_frozen_archive_matches_PyTorch_in_fp32_and_says_it_is_frozen()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var network = (TorchScriptNetwork)ModelRegistry.Get(ModelRegistry.TorchScript).Open(10, TorchScriptFixtures.Archive("tiny-cnn-frozen"));
        Assert.True(network.IsFrozen);
        float[] expected = ParityFixture.Flatten(TorchScriptFixtures.Root.GetProperty("frozen_logits"));
        float[] actual = network.forward(Input("tiny-cnn-frozen")).data<float>().ToArray();
        Assert.Equal(expected.Length, actual.Length);
        Assert.True(expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max() < 1e-5);
        using var unfrozen = (TorchScriptNetwork)ModelRegistry.Get(ModelRegistry.TorchScript).Open(10, TorchScriptFixtures.Archive("tiny-vit-traced"));
        Assert.False(unfrozen.IsFrozen);
    }

    [Fact]
    public void An_archive_with_MKLDNN_constants_is_refused_before_libtorch_aborts_on_it()
    {
        string path = TorchScriptFixtures.Archive("tiny-cnn-optimized");
        Assert.True(TorchScriptArchive.Is(path));
        var error = Assert.Throws<InputException>(() => TorchScriptArchive.Load(path));
        Assert.Contains("optimize_for_inference", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void State_dicts_and_other_files_are_not_archives()
    {
        Assert.False(TorchScriptArchive.Is(SharedData.Fixture("cifar_resnet20_hashed.pth")));
        Assert.False(TorchScriptArchive.Is(SharedData.Fixture("resize_antialias.json")));
        Assert.False(TorchScriptArchive.Is("/nonexistent/model.pt"));
    }

    [Fact]
    public void A_truncated_archive_is_an_input_error_naming_the_file()
    {
        using var folder = new TempDirectory();
        byte[] bytes = File.ReadAllBytes(TorchScriptFixtures.Archive("tiny-convnext-traced"));
        string path = folder.File("cut.pt");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        Assert.False(TorchScriptArchive.Is(path)); // its central directory is gone
        var error = Assert.Throws<InputException>(() => TorchScriptArchive.Load(path));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Equal("weights", error.Setting);
    }

    [Fact]
    public void An_archive_with_damaged_code_is_an_input_error_from_libtorch()
    {
        using var folder = new TempDirectory();
        string path = folder.File("broken.pt");
        File.Copy(TorchScriptFixtures.Archive("tiny-convnext-traced"), path);
        using (ZipArchive zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            ZipArchiveEntry code = zip.Entries.First(e => e.FullName.Contains("/code/", StringComparison.Ordinal) && e.FullName.EndsWith(".py", StringComparison.Ordinal));
            string name = code.FullName;
            string text;
            using (var reader = new StreamReader(code.Open())) text = reader.ReadToEnd();
            int forward = text.IndexOf("def forward(", StringComparison.Ordinal);
            Assert.True(forward > 0);
            code.Delete();
            using var writer = new StreamWriter(zip.CreateEntry(name).Open());
            // Its classes are all still there (so FreqProbe's own checks pass); one method no longer parses.
            writer.Write(text[..forward] + "def forward(self  this is not TorchScript\n" + text[forward..]);
        }
        Assert.True(TorchScriptArchive.Is(path));
        var error = Assert.Throws<InputException>(() => TorchScriptArchive.Load(path));
        Assert.Contains("libtorch cannot load", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_archive_whose_pickle_names_a_python_callable_is_refused_before_libtorch_reads_it()
    {
        using var folder = new TempDirectory();
        string path = folder.File("evil.pt");
        using (ZipArchive zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using (var code = new StreamWriter(zip.CreateEntry("evil/code/__torch__/m.py").Open())) code.Write("class M(Module):\n  pass\n");
            // protocol 2: GLOBAL posix system, the string 'echo pwned', TUPLE1, REDUCE, STOP
            byte[] pickle = [0x80, 0x02, .. "cposix\nsystem\n"u8, 0x58, 10, 0, 0, 0, .. "echo pwned"u8, 0x85, 0x52, 0x2E];
            using (Stream data = zip.CreateEntry("evil/data.pkl").Open()) data.Write(pickle);
            using (Stream version = zip.CreateEntry("evil/version").Open()) version.Write("3\n"u8);
        }
        var error = Assert.Throws<InputException>(() => TorchScriptArchive.Load(path));
        Assert.Contains("posix.system", error.Message, StringComparison.Ordinal);
        Assert.Contains("never runs", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_entry_that_inflates_far_beyond_its_stored_size_is_refused()
    {
        using var folder = new TempDirectory();
        string path = folder.File("bomb.pt");
        using (ZipArchive zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using (Stream code = zip.CreateEntry("bomb/code/__torch__/m.py", CompressionLevel.SmallestSize).Open())
            {
                var zeros = new byte[1 << 20];
                for (int i = 0; i < 64; i++) code.Write(zeros); // 64 MiB of zeros deflate to ~64 KiB
            }
        }
        Assert.True(new FileInfo(path).Length < 1 << 20);
        var error = Assert.Throws<InputException>(() => TorchScriptArchive.Load(path));
        Assert.Contains("inflates", error.Message, StringComparison.Ordinal);
    }

    // Under the ratio limit but large: 65 MiB of 4-bit text deflates about 2:1. Refused from the zip directory, before a
    // byte is inflated (the report's case inflated 97x to 1.15 GB and ran out of memory reading it).
    [Fact]
    [Trait("Speed", "slow")]
    public void A_code_entry_larger_than_any_real_one_is_refused_before_it_is_read()
    {
        using var folder = new TempDirectory();
        string path = folder.File("large.pt");
        using (ZipArchive zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using Stream code = zip.CreateEntry("large/code/__torch__/m.py", CompressionLevel.Fastest).Open();
            var random = new Random(7);
            var line = new byte[1 << 16];
            for (int i = 0; i < 65 * 16; i++)
            {
                for (int k = 0; k < line.Length; k++) line[k] = (byte)('a' + random.Next(16));
                code.Write(line);
            }
        }
        var error = Assert.Throws<InputException>(() => TorchScriptArchive.Load(path));
        Assert.Contains("entry large/code/__torch__/m.py inflates to 68157440 bytes, more than the 64 MiB", error.Message, StringComparison.Ordinal);
    }

    // libtorch aborts the process (an uncaught c10::Error from its importer) when a class the pickle builds has no code:
    // checked first, naming the class and the missing file.
    [Fact]
    public void An_archive_without_the_code_of_a_class_it_builds_is_an_input_error()
    {
        using var folder = new TempDirectory();
        string path = folder.File("headless.pt");
        File.Copy(TorchScriptFixtures.Archive("tiny-bottleneck-traced"), path);
        using (ZipArchive zip = ZipFile.Open(path, ZipArchiveMode.Update)) zip.GetEntry("tiny-bottleneck-traced/code/__torch__.py")!.Delete();
        var error = Assert.Throws<InputException>(() => TorchScriptArchive.Load(path));
        Assert.Contains("builds the TorchScript class __torch__.TinyBottleneck, but its code tiny-bottleneck-traced/code/__torch__.py is not in the archive",
            error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_card_reads_none_for_a_model_that_normalises_itself_and_writes_it_back()
    {
        string cardPath = ModelCard.PathFor(TorchScriptFixtures.Archive("tiny-convnext-selfnorm"));
        ModelCard card = ModelCard.Parse(File.ReadAllText(cardPath), cardPath);
        Assert.Equal(ModelRegistry.TorchScript, card.Model);
        Assert.Empty(card.Mean!);
        Assert.Empty(card.Std!);
        Assert.Equal("cifar10", card.LabelSpace);
        using JsonDocument again = JsonDocument.Parse(card.ToJson());
        Assert.Equal("none", again.RootElement.GetProperty("mean").GetString());
        var bad = Assert.Throws<InputException>(() => ModelCard.Parse("""{"name": "x", "mean": [0.5, 0.5]}""", "x.card.json"));
        Assert.Contains("x.card.json", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Architectures_exclude_the_archive_kind_which_has_no_data_config_of_its_own()
    {
        ModelSpec spec = ModelRegistry.Get(ModelRegistry.TorchScript);
        Assert.True(spec.IsArchive);
        Assert.Null(spec.Preprocess);
        Assert.DoesNotContain(ModelRegistry.TorchScript, ModelRegistry.Architectures);
        Assert.Contains(ModelRegistry.TorchScript, ModelRegistry.Names);
        Assert.Throws<InvalidOperationException>(() => spec.Create(10));
    }
}
