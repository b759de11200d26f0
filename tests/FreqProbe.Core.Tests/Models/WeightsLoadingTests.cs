using FreqProbe.Core.Models;
using FreqProbe.Core.Tests.Support;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Models;

public sealed class WeightsLoadingTests
{
    static float[] Logits(nn.Module<Tensor, Tensor> model)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.eval();
        manual_seed(3);
        return model.forward(rand(2, 3, 32, 32)).data<float>().ToArray();
    }

    [Theory]
    [InlineData(".safetensors")]
    [InlineData(".dat")]
    [InlineData(".pth")]
    public void Round_trips_through_every_format(string extension)
    {
        using var dir = new TempDirectory();
        manual_seed(1);
        using var source = ModelRegistry.Get("cifar-resnet20").Create(10);
        HashedWeights.Fill(source);
        string path = dir.File("w" + extension);
        switch (extension)
        {
            case ".safetensors": source.save_safetensors(path); break;
            case ".dat": source.save(path); break;
            default: source.save_py(path); break;
        }
        manual_seed(2);
        using var target = ModelRegistry.Get("cifar-resnet20").Create(10);
        Assert.NotEqual(Logits(source), Logits(target));
        StateDictBinder.LoadStrict(target, WeightsFile.Load(path), path);
        Assert.Equal(Logits(source), Logits(target));
    }

    [Fact]
    public void Strict_loading_lists_missing_unexpected_and_wrong_shape_keys_in_one_error()
    {
        using var model = ModelRegistry.Get("cifar-resnet20").Create(10);
        Dictionary<string, Tensor> state = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        state.Remove("layer1.0.bn1.running_var");
        state["extra.weight"] = zeros(3);
        state["fc.weight"] = zeros(100, 64);
        using var target = ModelRegistry.Get("cifar-resnet20").Create(10);
        float[] before = Logits(target);
        var error = Assert.Throws<InputException>(() => StateDictBinder.LoadStrict(target, state, "bad.pth"));
        Assert.Contains("bad.pth", error.Message, StringComparison.Ordinal);
        Assert.Contains("layer1.0.bn1.running_var [16]", error.Message, StringComparison.Ordinal);
        Assert.Contains("extra.weight [3]", error.Message, StringComparison.Ordinal);
        Assert.Contains("fc.weight: expected [10, 64], got [100, 64]", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, Logits(target)); // nothing was copied
    }

    [Fact]
    public void Unreadable_files_are_input_errors_naming_the_file()
    {
        using var dir = new TempDirectory();
        string path = dir.File("garbage.pth");
        File.WriteAllBytes(path, new byte[] { 1, 2, 3, 4, 5 });
        Assert.Contains(path, Assert.Throws<InputException>(() => WeightsFile.Load(path)).Message, StringComparison.Ordinal);
        string wrongExtension = dir.File("w.onnx");
        File.WriteAllBytes(wrongExtension, new byte[] { 1 });
        Assert.Contains(".safetensors", Assert.Throws<InputException>(() => WeightsFile.Load(wrongExtension)).Message, StringComparison.Ordinal);
    }
}
