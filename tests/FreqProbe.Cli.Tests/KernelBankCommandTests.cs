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
}
