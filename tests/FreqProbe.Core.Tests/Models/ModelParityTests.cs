using FreqProbe.Core.Models;
using FreqProbe.Core.Spectral;
using FreqProbe.Core.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Models;

/// <summary>FreqProbe's models and filter against PyTorch (scripts/make_fixtures.py).</summary>
public sealed class ModelParityTests
{
    // float32 through 20-plus layers: logits agree to ~1e-5 relative; 1e-4 absolute on O(1) logits is the stated bound.
    const float LogitTolerance = 1e-4f;
    const float ProbabilityTolerance = 1e-4f;

    static (float[] Logits, int[] Predictions, float[] Probabilities) Forward(nn.Module<Tensor, Tensor> model, ParityFixture fixture, Tensor images)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.eval();
        Tensor mean = tensor(fixture.Mean, new long[] { 1, 3, 1, 1 });
        Tensor std = tensor(fixture.Std, new long[] { 1, 3, 1, 1 });
        Tensor logits = model.forward((images - mean) / std);
        Tensor probs = nn.functional.softmax(logits, 1);
        Tensor pred = probs.argmax(1);
        Tensor prob = probs.gather(1, pred.unsqueeze(1)).squeeze(1);
        return (logits.data<float>().ToArray(), pred.data<long>().Select(p => (int)p).ToArray(), prob.data<float>().ToArray());
    }

    static void AssertClose(float[] expected, float[] actual, float tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"{what}[{i}]: {actual[i]} vs PyTorch {expected[i]}");
    }

    [Fact]
    public void Cifar_resnet20_from_a_wrapped_pth_checkpoint_matches_PyTorch_clean_and_filtered()
    {
        ParityFixture fixture = ParityFixture.Load("cifar_resnet20_parity.json");
        using var model = ModelRegistry.Get("cifar-resnet20").Create(fixture.NumClasses);
        // The checkpoint is {"state_dict": {"module.conv1.weight": ...}, "epoch": 3}: both wrappers must come off.
        Dictionary<string, Tensor> state = WeightsFile.Load(SharedData.Fixture("cifar_resnet20_hashed.pth"));
        StateDictBinder.LoadStrict(model, state, "fixture");
        using Tensor images = tensor(fixture.Images, fixture.ImageShape);
        foreach (ParityCase c in fixture.Cases)
        {
            using var scope = NewDisposeScope();
            Tensor input = images;
            if (c.Filter != "none")
            {
                FrequencyFilter filter = c.Filter == "lowpass" ? FrequencyFilter.LowPass(c.Radius!.Value) : FrequencyFilter.HighPass(c.Radius!.Value);
                using var bank = new SpectralFilterBank(new[] { filter }, 32, 32, CPU);
                input = bank.Filter(bank.Transform(images), 0, 1);
            }
            var (logits, predictions, probabilities) = Forward(model, fixture, input);
            AssertClose(c.Logits, logits, LogitTolerance, $"{c.Filter} {c.Radius} logits");
            Assert.Equal(c.Predictions, predictions);
            AssertClose(c.Probabilities, probabilities, ProbabilityTolerance, $"{c.Filter} {c.Radius} prob");
        }
    }

    [Fact]
    public void Torchvision_resnet18_layout_matches_PyTorch()
    {
        ParityFixture fixture = ParityFixture.Load("resnet18_parity.json");
        using var model = ModelRegistry.Get("resnet18").Create(fixture.NumClasses);
        HashedWeights.Fill(model);
        using Tensor images = tensor(fixture.Images, fixture.ImageShape);
        var (logits, predictions, probabilities) = Forward(model, fixture, images);
        ParityCase expected = Assert.Single(fixture.Cases);
        AssertClose(expected.Logits, logits, LogitTolerance, "resnet18 logits");
        Assert.Equal(expected.Predictions, predictions);
        AssertClose(expected.Probabilities, probabilities, ProbabilityTolerance, "resnet18 prob");
    }

    [Fact]
    public void Resnet50_state_dict_has_torchvision_keys_and_shapes()
    {
        string[] expected = File.ReadAllLines(SharedData.Fixture("resnet50_torchvision_keys.txt"));
        using var model = ModelRegistry.Get("resnet50").Create(1000);
        string[] actual = model.state_dict().Select(kv => $"{kv.Key} {string.Join(',', kv.Value.shape)}").ToArray();
        Assert.Equal(expected.OrderBy(k => k, StringComparer.Ordinal), actual.OrderBy(k => k, StringComparer.Ordinal));
    }
}
