using FreqProbe.Core.Datasets;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Execution;
using FreqProbe.Core.Models;
using FreqProbe.Core.Spectral;
using FreqProbe.Core.Tests.Support;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Execution;

/// <summary>
/// PyTorch parity through the path a user's run takes: an evaluation session at default settings (BatchNorm folded,
/// --layout auto, fp32, the kernels verified on this machine), not the model's plain forward.
/// </summary>
public sealed class ProductionParityTests : IDisposable
{
    // fp32 through 20-50 layers, BatchNorm folded and other kernels than PyTorch's: logits agree to ~1e-5 relative;
    // 2e-4 absolute on O(1) logits (and probabilities) is the stated bound. A wrong kernel moves them by 1e-2 to 1.
    const float Tolerance = 2e-4f;

    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    // A session as a user's run opens it, on hashed weights saved as a state dict.
    EvaluationSession Session(string model, ParityFixture fixture, string device = "cpu", string engine = "auto")
    {
        string weights = dir.File($"{model}.safetensors");
        using (var network = ModelRegistry.Get(model).Create(fixture.NumClasses))
        {
            HashedWeights.Fill(network);
            network.save_safetensors(weights);
        }
        var request = new RunRequest
        {
            Model = ModelRegistry.Get(model),
            WeightsPath = weights,
            NumClasses = fixture.NumClasses,
            Preprocess = PreprocessPolicy.Native((int)fixture.ImageShape[2]),
            Mean = fixture.Mean,
            Std = fixture.Std,
            Dataset = new DatasetOptions("synthetic", null),
            Filters = Array.Empty<FrequencyFilter>(),
            BatchSize = (int)fixture.ImageShape[0],
            Threads = 2,
            Device = device,
            CacheRoot = IsolatedHome.Root,
            Engine = engine,
        };
        Assert.Equal("auto", request.Layout);
        Assert.Equal("fp32", request.Precision);
        return EvaluationSession.Open(request, SessionParts.Model);
    }

    static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance, $"{what}[{i}]: {actual[i]} vs PyTorch {expected[i]}");
    }

    static void AssertCase(EvaluationSession session, ParityCase expected, Tensor images, string what)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor logits = session.Forward(session.Normalise(images.to(session.Device))).cpu();
        Tensor probs = nn.functional.softmax(logits, 1);
        Tensor pred = probs.argmax(1);
        AssertClose(expected.Logits, logits.data<float>().ToArray(), $"{what} logits");
        Assert.Equal(expected.Predictions, pred.data<long>().Select(p => (int)p).ToArray());
        AssertClose(expected.Probabilities, probs.gather(1, pred.unsqueeze(1)).squeeze(1).data<float>().ToArray(), $"{what} prob");
    }

    // At default settings on the CPU the native ResNets run in ONNX Runtime (--engine auto); --engine torch runs libtorch
    // with its verified layouts. Both through the session a user's run opens.
    [Theory]
    [InlineData("cifar-resnet20", "cifar_resnet20_parity.json", "auto")]
    [InlineData("resnet18", "resnet18_parity.json", "auto")]
    [InlineData("resnet50", "resnet50_parity.json", "auto")]
    [InlineData("cifar-resnet20", "cifar_resnet20_parity.json", "torch")]
    [InlineData("resnet18", "resnet18_parity.json", "torch")]
    [InlineData("resnet50", "resnet50_parity.json", "torch")]
    [Trait("Speed", "slow")]
    public void The_session_at_default_settings_matches_PyTorch_clean_and_filtered(string model, string fixtureName, string engine) =>
        AssertParity(model, fixtureName, "cpu", engine);

    // The same on a GPU: cuDNN's kernels, verified there, in true fp32 (TF32 is off), against PyTorch's CPU logits.
    [CudaTheory]
    [InlineData("cifar-resnet20", "cifar_resnet20_parity.json")]
    [InlineData("resnet18", "resnet18_parity.json")]
    [InlineData("resnet50", "resnet50_parity.json")]
    public void On_a_GPU_the_session_at_default_settings_matches_PyTorch_clean_and_filtered(string model, string fixtureName)
    {
        AssertParity(model, fixtureName, "cuda");
        Assert.False(backends.cudnn.allow_tf32);
        Assert.False(backends.cuda.matmul.allow_tf32);
    }

    void AssertParity(string model, string fixtureName, string device, string engine = "auto")
    {
        ParityFixture fixture = ParityFixture.Load(fixtureName);
        using EvaluationSession session = Session(model, fixture, device, engine);
        Assert.Equal(device, session.Device.type == DeviceType.CUDA ? "cuda" : "cpu");
        ExecutionPlan plan = session.Plan!;
        if (device == "cpu" && engine == "auto")
        {
            Assert.StartsWith("cpu fp32 onnxruntime", plan.Path, StringComparison.Ordinal);
        }
        else
        {
            Assert.NotEmpty(plan.Layers);
        }
        Assert.Contains(plan.Layout, new[] { "nhwc", "nchw" });
        using Tensor images = tensor(fixture.Images, fixture.ImageShape);
        int size = (int)fixture.ImageShape[2];
        foreach (ParityCase c in fixture.Cases)
        {
            using var scope = NewDisposeScope();
            Tensor input = images;
            if (c.Filter != "none")
            {
                FrequencyFilter filter = c.Filter == "lowpass" ? FrequencyFilter.LowPass(c.Radius!.Value) : FrequencyFilter.HighPass(c.Radius!.Value);
                using var bank = new SpectralFilterBank(new[] { filter }, size, size, CPU);
                input = bank.Filter(bank.Transform(images), 0, 1);
            }
            AssertCase(session, c, input, $"{model} {c.Filter} {c.Radius} ({plan.Path})");
        }
    }

    public static TheoryData<string> Archives => new(TorchScriptFixtures.Models.Append("tiny-bottleneck-traced"));

    // TorchScript archives through the session at default settings: the archive is checked whole in a child process
    // (the bottleneck network carries ResNet-50's 1x1 shapes 256->1024 and 512->2048 at strides 1 and 2, which crash
    // oneDNN 3.7.1's channels-last kernels on AMD Zen 5), then runs in the layout that verified.
    [Theory]
    [MemberData(nameof(Archives))]
    [Trait("Speed", "slow")]
    public void TorchScript_archives_through_the_session_at_default_settings_match_PyTorch(string model) => AssertArchive(model, "cpu");

    [CudaTheory]
    [MemberData(nameof(Archives))]
    public void On_a_GPU_TorchScript_archives_through_the_session_at_default_settings_match_PyTorch(string model) => AssertArchive(model, "cuda");

    void AssertArchive(string model, string device)
    {
        string archive = TorchScriptFixtures.Archive(model);
        bool selfNormalising = model.EndsWith("selfnorm", StringComparison.Ordinal);
        float[] cifarMean = { 0.4914f, 0.4822f, 0.4465f }, cifarStd = { 0.2470f, 0.2435f, 0.2616f };
        var request = new RunRequest
        {
            Model = ModelRegistry.Get(ModelRegistry.TorchScript),
            WeightsPath = archive,
            NumClasses = 10,
            Preprocess = PreprocessPolicy.Native(32),
            Mean = selfNormalising ? Array.Empty<float>() : cifarMean,
            Std = selfNormalising ? Array.Empty<float>() : cifarStd,
            Dataset = new DatasetOptions("synthetic", null),
            Filters = Array.Empty<FrequencyFilter>(),
            BatchSize = 4,
            Threads = 2,
            Device = device,
            CacheRoot = IsolatedHome.Root,
        };
        using EvaluationSession session = EvaluationSession.Open(request, SessionParts.Model);
        // Traced archives record allow_tf32=True in their convolutions (the fixtures were traced with PyTorch's
        // default): on a GPU those run in TF32, which the path says, and which moved logits by up to 4.4e-4 relative
        // on an H200 (1e-3 is the verification's bound); everything else stays within 1e-5.
        bool tf32 = false;
        if (device == "cuda")
        {
            using TorchScriptNetwork loaded = TorchScriptArchive.Load(archive);
            tf32 = loaded.Tf32Convolutions > 0;
        }
        string expected = $"{device} fp32 {session.Plan!.Layout}" + (tf32 ? "; traced convolutions in TF32: " : "");
        Assert.StartsWith(expected, session.Plan.Path, StringComparison.Ordinal);
        if (!tf32) Assert.Equal(expected, session.Plan.Path);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor input = tensor(TorchScriptFixtures.FixedInput(), new long[] { 4, 3, 32, 32 }).to(session.Device);
        Tensor logits = session.Forward(session.Normalise(input)).cpu();
        TorchScriptFixtures.AssertLogits(model, logits, tf32 ? 1e-3 : 1e-5);
    }

    // ResNet-50's bottleneck shapes crash oneDNN 3.7.1's channels-last 1x1 kernels on AMD Zen 5 and miscompute on
    // others: whatever this machine does, the plan gives every layer a kernel that verified, at the run's batch.
    [Fact]
    [Trait("Speed", "slow")]
    public void Every_layer_of_resnet50_runs_a_kernel_verified_at_the_runs_batch()
    {
        ParityFixture fixture = ParityFixture.Load("resnet50_parity.json");
        using EvaluationSession session = Session("resnet50", fixture, engine: "torch");
        ExecutionPlan plan = session.Plan!;
        Assert.Equal(53, plan.Layers.Count); // stem, 16 blocks x 3, 4 shortcuts
        Assert.All(plan.Layers, l => Assert.Equal(plan.Batch, l.Shape.Batch));
        var store = VerdictStore.Open(IsolatedHome.Root, MachineIdentity.Current("cpu", 2));
        foreach (ExecutionPlan.LayerChoice layer in plan.Layers)
        {
            string key = new VerificationCheck { Shape = layer.Shape, Kernel = layer.Kernel, Precision = "fp32" }.Key;
            Assert.True(store.Verdicts.TryGetValue(key, out Verdict? verdict), $"{layer.Layer}: no verdict for {key}");
            Assert.True(verdict.Ok, $"{layer.Layer}: {verdict.Detail}");
        }
        Assert.StartsWith(store.Identity.ShortKey, plan.VerificationKey, StringComparison.Ordinal);
    }

    // A batch smaller than the verified one is padded, a larger one split: every pass runs at the checked shape, and
    // each image's logits do not depend on its neighbours.
    [Fact]
    public void Smaller_and_larger_batches_run_at_the_verified_batch_with_the_same_logits()
    {
        ParityFixture fixture = ParityFixture.Load("cifar_resnet20_parity.json");
        using EvaluationSession session = Session("cifar-resnet20", fixture);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor images = session.Normalise(tensor(fixture.Images, fixture.ImageShape));
        Tensor whole = session.Forward(images);
        Tensor first = session.Forward(images.narrow(0, 0, 1));
        Tensor doubled = session.Forward(cat(new[] { images, images.flip(0) }, 0));
        Assert.Equal(0f, (first - whole.narrow(0, 0, 1)).abs().max().item<float>());
        Assert.Equal(0f, (doubled.narrow(0, 0, images.shape[0]) - whole).abs().max().item<float>());
        Assert.Equal(0f, (doubled.narrow(0, images.shape[0], images.shape[0]) - whole.flip(0)).abs().max().item<float>());
    }
}
