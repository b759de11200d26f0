using System.Text.Json;
using FreqProbe.Core.Tests.Support;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace FreqProbe.Cli.Tests;

/// <summary>`kernels` on a bare state dict: ordinary convolutions and dynamic-convolution banks, with nothing guessed.</summary>
public sealed class KernelBankCommandTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public void A_state_dict_without_a_model_has_its_convolutions_and_banks_analysed_and_unreadable_layouts_named()
    {
        torch.manual_seed(2);
        using Tensor group = randn(new long[] { 1, 8, 4, 3, 3 });
        var state = new Dictionary<string, Tensor>
        {
            ["stem.weight"] = randn(new long[] { 8, 3, 3, 3 }),
            ["layer1.conv.weight"] = group.expand(4, 8, 4, 3, 3).contiguous(),            // ODConv layout, four identical groups
            ["layer1.conv.attention.kernel_fc.weight"] = randn(new long[] { 4, 16, 1, 1 }),
            ["layer2.conv.weight"] = randn(new long[] { 4, 8, 8, 3, 3 }),                 // 5-D without attention: not guessed
        };
        string weights = dir.File("odnet.safetensors");
        Safetensors.SaveStateDict(weights, state);
        foreach (Tensor t in state.Values) t.Dispose();

        string json = dir.File("k.json"), pictures = dir.File("pics");
        CliRun run = CliRun.Invoke("kernels", "--weights", weights, "--out", json, "--pictures", pictures, "--size", "16");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("stem", run.Out, StringComparison.Ordinal);
        Assert.Contains("layer1.conv            odconv      4", run.Out, StringComparison.Ordinal);
        Assert.Contains("layer2.conv.weight: a 5-D weight [4, 8, 8, 3, 3] without layer2.conv.attention.*", run.Error, StringComparison.Ordinal);

        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(json));
        JsonElement bank = doc.RootElement.GetProperty("banks").EnumerateArray().Single();
        Assert.Equal("layer1.conv", bank.GetProperty("layer").GetString());
        foreach (string figure in new[] { "spectrum_cosine", "overlap", "weight_cosine" }) Assert.Equal(1.0, bank.GetProperty(figure).GetDouble(), 6);
        Assert.True(File.Exists(Path.Combine(pictures, "layer1.conv.bank-radial.png")));
        Assert.True(File.Exists(Path.Combine(pictures, "layer1.conv.bank-pca.png")));
        Assert.True(File.Exists(Path.Combine(pictures, "stem.png")));
    }

    // The model path: cifar-odresnet20's weights bound to the architecture. Its eighteen banks are found in the bound
    // model's state dict, the attention heads' 1x1 convolutions are not reported as layers, and a bank made of four
    // copies of one group reads 1, 1, 1 while the independently drawn ones do not.
    [Fact]
    [Trait("Speed", "slow")]
    public void A_registry_model_with_ODConv_banks_has_its_banks_analysed()
    {
        string weights = dir.File("od.safetensors");
        torch.manual_seed(4);
        using (var model = FreqProbe.Core.Models.ModelRegistry.Get("cifar-odresnet20").Create(10))
        {
            Dictionary<string, Tensor> state = model.state_dict();
            using (no_grad())
            {
                Tensor bank = state["layer3.2.conv2.weight"];
                for (int k = 1; k < 4; k++) bank[k].copy_(bank[0]);
            }
            Safetensors.SaveStateDict(weights, state);
        }
        string json = dir.File("od.json");
        CliRun run = CliRun.Invoke("kernels", "--model", "cifar-odresnet20", "--weights", weights, "--out", json, "--size", "16");
        Assert.True(run.ExitCode == 0, run.Error);

        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(json));
        string[] layers = doc.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("layer").GetString()!).ToArray();
        Assert.Equal(new[] { "conv1", "layer2.0.downsample.0", "layer3.0.downsample.0" }, layers);
        JsonElement[] banks = doc.RootElement.GetProperty("banks").EnumerateArray().ToArray();
        Assert.Equal(18, banks.Length);
        JsonElement copies = banks.Single(b => b.GetProperty("layer").GetString() == "layer3.2.conv2");
        foreach (string figure in new[] { "spectrum_cosine", "overlap", "weight_cosine" }) Assert.Equal(1.0, copies.GetProperty(figure).GetDouble(), 5);
        JsonElement drawn = banks.Single(b => b.GetProperty("layer").GetString() == "layer3.2.conv1");
        Assert.True(Math.Abs(drawn.GetProperty("weight_cosine").GetDouble()) < 0.1, drawn.ToString());
    }

    [Fact]
    public void A_state_dict_with_no_convolution_is_refused_with_the_reason()
    {
        string weights = dir.File("linear.safetensors");
        var state = new Dictionary<string, Tensor> { ["fc.weight"] = randn(new long[] { 10, 64 }) };
        Safetensors.SaveStateDict(weights, state);
        state["fc.weight"].Dispose();
        CliRun run = CliRun.Invoke("kernels", "--weights", weights);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("holds no convolution weight (4-D *.weight) and no kernel bank", run.Error, StringComparison.Ordinal);
    }

    // Issue 32 #13: malformed state dicts used to end in DivideByZero, IndexOutOfRange, FFT or SVD errors (exit 1),
    // 0.0% in every band, or minutes and gigabytes. Each is now exit 2 naming the tensor, or a warning and left out.
    string Saved(string name, params (string Key, Tensor Value)[] tensors)
    {
        string path = dir.File(name + ".safetensors");
        Safetensors.SaveStateDict(path, tensors.ToDictionary(t => t.Key, t => t.Value));
        foreach (var (_, value) in tensors) value.Dispose();
        return path;
    }

    static (string, Tensor)[] FdConv(long[] dft, long[] kernelFc, long[] filterFc, long[] channelFc) => new (string, Tensor)[]
    {
        ("stem.weight", randn(new long[] { 4, 3, 3, 3 })),
        ("e.dft_weight", randn(dft)), ("e.KSM_Global.kernel_fc.weight", randn(kernelFc)),
        ("e.KSM_Global.filter_fc.weight", randn(filterFc)), ("e.KSM_Global.channel_fc.weight", randn(channelFc)),
    };

    [Fact]
    public void Malformed_state_dicts_get_exit_2_or_a_warning_never_a_crash()
    {
        var warned = new (string File, string Expected)[]
        {
            (Saved("fd-filter", FdConv(new long[] { 1, 24, 11, 2 }, new long[] { 4, 16, 1, 1 }, new long[] { 0, 8 }, new long[] { 6, 16, 1, 1 })), "filter_fc.weight is [0, 8]"),
            (Saved("fd-dft", FdConv(new long[] { 0, 12, 7, 2 }, new long[] { 4, 16, 1, 1 }, new long[] { 8, 16, 1, 1 }, new long[] { 6, 16, 1, 1 })), "dft_weight is [0, 12, 7, 2]"),
            (Saved("fd-scalar", FdConv(new long[] { 1, 24, 11, 2 }, Array.Empty<long>(), new long[] { 8, 16, 1, 1 }, new long[] { 6, 16, 1, 1 })), "kernel_fc.weight is []"),
            (Saved("cond", ("stem.weight", randn(new long[] { 4, 3, 3, 3 })), ("c.weight", randn(new long[] { 4, 72 })), ("c.routing_fn.weight", randn(new long[] { 4, 0 })),
                ("c.bias", randn(new long[] { 4, 8 }))), "routing_fn.weight is [4, 0]"),
            (Saved("huge-bank", ("stem.weight", randn(new long[] { 4, 3, 3, 3 })), ("b.weight", randn(new long[] { 20000, 1, 1, 1, 1 })),
                ("b.attention.kernel_fc.weight", randn(new long[] { 4, 16, 1, 1 }))), "20000 kernel groups; expected at most 256"),
            (Saved("zero-layer", ("stem.weight", randn(new long[] { 4, 3, 3, 3 })), ("dead.weight", zeros(new long[] { 4, 4, 3, 3 }))), "layer dead: all 144 weights are zero"),
            (Saved("zero-bank", ("stem.weight", randn(new long[] { 4, 3, 3, 3 })), ("b.weight", zeros(new long[] { 4, 4, 4, 3, 3 })),
                ("b.attention.kernel_fc.weight", randn(new long[] { 4, 16, 1, 1 }))), "b: odconv bank not read: all its weights are zero"),
        };
        foreach (var (file, expected) in warned)
        {
            CliRun run = CliRun.Invoke("kernels", "--weights", file, "--size", "16");
            Assert.True(run.ExitCode == 0, $"{file}: exit {run.ExitCode}: {run.Error}");
            Assert.Contains(expected, run.Error, StringComparison.Ordinal);
            Assert.Contains("warning", run.Error, StringComparison.Ordinal);
            Assert.Contains("stem", run.Out, StringComparison.Ordinal);
            Assert.DoesNotContain("0.0%              0.0%", run.Out, StringComparison.Ordinal);
        }

        string good = Saved("good", ("stem.weight", randn(new long[] { 4, 3, 3, 3 })));
        string nan = dir.File("nan.safetensors");
        using (Tensor w = randn(new long[] { 4, 3, 3, 3 }))
        {
            w[0, 0, 0, 0] = tensor(float.NaN);
            Safetensors.SaveStateDict(nan, new Dictionary<string, Tensor> { ["stem.weight"] = w });
        }
        File.WriteAllText(dir.File("a-file"), "");
        var refused = new (string[] Args, string Expected)[]
        {
            (new[] { "--weights", Saved("empty-kernel", ("stem.weight", randn(new long[] { 4, 3, 0, 3 }))) }, "layer stem: its weight is [4, 3, 0, 3], with no elements"),
            (new[] { "--weights", nan }, "tensor 'stem.weight' holds 1 NaN and 0 infinite values of 108; expected finite weights."),
            (new[] { "--weights", good, "--layers", "(" }, "--layers: '(' is not a regular expression"),
            (new[] { "--weights", good, "--pictures", dir.File("a-file") }, "is a file; expected a folder"),
        };
        foreach (var (args, expected) in refused)
        {
            CliRun run = CliRun.Invoke(new[] { "kernels", "--size", "16" }.Concat(args).ToArray());
            Assert.True(run.ExitCode == 2, $"{string.Join(' ', args)}: exit {run.ExitCode}: {run.Error}");
            Assert.Contains(expected, run.Error, StringComparison.Ordinal);
            Assert.Equal("", run.Out);
        }
    }
}
