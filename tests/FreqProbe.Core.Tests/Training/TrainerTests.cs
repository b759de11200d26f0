using FreqProbe.Core.Datasets;
using FreqProbe.Core.Models;
using FreqProbe.Core.Tests.Support;
using FreqProbe.Core.Training;

namespace FreqProbe.Core.Tests.Training;

public sealed class TrainerTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    TrainRequest Request(string folder, string augment = "none") => TinyTraining.Request(dir.File(folder), augment);

    static byte[] Weights(TrainRequest request) => File.ReadAllBytes(Path.Combine(request.OutputDirectory, "tiny.safetensors"));

    [Fact]
    [Trait("Speed", "slow")]
    public void Same_seed_gives_the_same_weights_and_an_interrupted_run_resumes_to_them()
    {
        ModelCard first = Trainer.Run(Request("a"));
        Trainer.Run(Request("b"));
        Assert.Equal(Weights(Request("a")), Weights(Request("b")));

        using var cancel = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => Trainer.Run(Request("c"), new CancelAtEpoch(2, cancel), cancellation: cancel.Token));
        Assert.False(File.Exists(Path.Combine(dir.File("c"), "tiny.safetensors")));
        Assert.Equal(2, File.ReadAllLines(Path.Combine(dir.File("c"), "tiny.log.csv")).Length); // header + epoch 1
        ModelCard resumed = Trainer.Run(Request("c") with { Resume = true });
        Assert.Equal(Weights(Request("a")), Weights(Request("c")));
        Assert.Equal(first.FinalTestAccuracy, resumed.FinalTestAccuracy);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(dir.File("c"), "tiny.log.csv")).Length);
    }

    // The gaussian:0.1 reference run died at the first step of its second epoch ("Unknown scalar type" in the noise
    // step); the same shape of run, small, must train through epoch 2 and resume to the uninterrupted weights.
    [Theory]
    [InlineData("gaussian:0.1")]
    [InlineData("fgsm:8/255")]
    [Trait("Speed", "slow")]
    public void Noise_and_adversarial_variants_train_past_the_first_epoch_and_resume_exactly(string variant)
    {
        string tag = variant[..variant.IndexOf(':', StringComparison.Ordinal)];
        Trainer.Run(Request(tag + "-whole", variant));
        using var cancel = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            Trainer.Run(Request(tag + "-cut", variant), new CancelAtEpoch(2, cancel), cancellation: cancel.Token));
        ModelCard resumed = Trainer.Run(Request(tag + "-cut", variant) with { Resume = true });
        Assert.Equal(variant.Replace("8/255", "0.031373", StringComparison.Ordinal), resumed.Augment);
        Assert.Equal(Weights(Request(tag + "-whole", variant)), Weights(Request(tag + "-cut", variant)));
    }

    // A native failure cannot be provoked on demand, so the hook throws the exception type libtorch errors arrive as.
    [Fact]
    [Trait("Speed", "slow")]
    public void A_native_failure_mid_epoch_is_retried_from_the_checkpoint_and_changes_nothing()
    {
        Trainer.Run(Request("clean"));
        int failures = 0;
        Trainer.BeforeStep = (request, epoch, step) =>
        {
            if (request.OutputDirectory == dir.File("faulty") && epoch == 2 && step == 1 && failures < 2)
            {
                failures++;
                throw new System.Runtime.InteropServices.ExternalException("Unknown scalar type (simulated)");
            }
        };
        var log = new StringWriter();
        try
        {
            Trainer.Run(Request("faulty"), log: log);
        }
        finally
        {
            Trainer.BeforeStep = null;
        }
        Assert.Equal(2, failures);
        Assert.Contains("epoch 2 failed in libtorch (Unknown scalar type (simulated)); retrying it from the checkpoint after epoch 1 (2 of 5)", log.ToString(), StringComparison.Ordinal);
        Assert.Equal(Weights(Request("clean")), Weights(Request("faulty")));
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void Writes_a_model_card_that_describes_the_weights()
    {
        ModelCard card = Trainer.Run(Request("card"));
        string weights = Path.Combine(dir.File("card"), "tiny.safetensors");
        ModelCard read = ModelCard.TryLoadFor(weights)!;
        Assert.Equal("cifar-resnet20", read.Model);
        Assert.Equal(10, read.NumClasses);
        Assert.Equal(32, read.InputSize);
        Assert.Equal(WeightsFile.Sha256(weights), read.WeightsSha256);
        Assert.Equal(card.FinalTestAccuracy, read.FinalTestAccuracy);
        Assert.Equal("none", read.Augment);
        Assert.Equal(2, read.Epochs);
        Assert.Equal(64, read.DataFingerprint!.Length);
        using var model = ModelRegistry.Get(read.Model!).Create(read.NumClasses!.Value);
        StateDictBinder.LoadStrict(model, WeightsFile.Load(weights), weights);
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void A_second_run_into_a_used_folder_needs_resume()
    {
        Trainer.Run(Request("used") with { Epochs = 1 });
        Assert.Contains("--resume", Assert.Throws<InputException>(() => Trainer.Run(Request("used") with { Epochs = 1 })).Message, StringComparison.Ordinal);
    }

    // Issue 32 #4: a resume with other options trained epoch 1 with the old ones and epoch 2 with the new, and the card
    // recorded only the new. Every option a result depends on is refused, by name, before anything is written.
    [Fact]
    [Trait("Speed", "slow")]
    public void A_resume_with_other_settings_is_refused_naming_each_and_writes_nothing()
    {
        TrainRequest original = Request("changed") with { Epochs = 3, Probe = new ProbeSpec { Radii = new[] { 4.0, 8.0 }, TrainCount = 16, TestCount = 16 } };
        using (var cancel = new CancellationTokenSource())
        {
            Assert.ThrowsAny<OperationCanceledException>(() => Trainer.Run(original, new CancelAtEpoch(2, cancel), cancellation: cancel.Token));
        }
        string log = Path.Combine(dir.File("changed"), "tiny.log.csv"), probe = Path.Combine(dir.File("changed"), "tiny.probe.csv");
        byte[] logBefore = File.ReadAllBytes(log), probeBefore = File.ReadAllBytes(probe);
        var changes = new (TrainRequest Request, string Line, int Lines)[]
        {
            (original with { MaxLearningRate = 0.05 }, "--lr: checkpoint 0.1, this run 0.05", 1),
            (original with { Seed = 10 }, "--seed: checkpoint 9, this run 10", 1),
            (original with { Augment = AugmentSpec.Parse("gaussian:0.1") }, "--augment: checkpoint none, this run gaussian:0.1", 1),
            (original with { Probe = original.Probe! with { Radii = new[] { 4.0, 12.0 } } }, "--probe-radii: checkpoint 4,8, this run 4,12", 1),
            (original with { Dataset = original.Dataset with { ShuffleLabelsSeed = 9 } }, "--shuffle-labels: checkpoint off, this run on", 2),
            (original with { Epochs = 5 }, "--epochs: checkpoint 3, this run 5", 1),
            (original with { Dataset = original.Dataset with { Seed = 5 } }, "training data content: checkpoint ", 1),
        };
        foreach (var (request, line, lines) in changes)
        {
            var refused = Assert.Throws<InputException>(() => Trainer.Run(request with { Resume = true }));
            Assert.Equal("resume", refused.Setting);
            Assert.Contains(line, refused.Message, StringComparison.Ordinal);
            Assert.Equal(lines, refused.Message.Split('\n').Count(l => l.StartsWith("  ", StringComparison.Ordinal))); // labels are data too
        }
        Assert.Equal(logBefore, File.ReadAllBytes(log));
        Assert.Equal(probeBefore, File.ReadAllBytes(probe));
        Assert.False(File.Exists(Path.Combine(dir.File("changed"), "tiny.card.json")));

        // The same settings on another thread count resume, with a warning that rounding will differ.
        var warnings = new StringWriter();
        Trainer.Run(original with { Resume = true, Threads = 1 }, log: warnings);
        Assert.Contains("ran with 2 threads on cpu, this run uses 1 threads on cpu", warnings.ToString(), StringComparison.Ordinal);
        Assert.Equal(4, File.ReadAllLines(log).Length);
    }

    [Fact]
    public void A_damaged_checkpoint_state_is_refused_and_an_old_one_without_settings_resumes_with_a_warning()
    {
        TrainRequest request = Request("old") with { Epochs = 1 };
        Trainer.Run(request);
        string state = Path.Combine(dir.File("old"), "checkpoint", "state.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(state))!.AsObject();
        json.Remove("Settings");
        json.Remove("Execution");
        File.WriteAllText(state, json.ToJsonString());
        var warnings = new StringWriter();
        Trainer.Run(request with { Resume = true }, log: warnings);
        Assert.Contains("predates recorded settings", warnings.ToString(), StringComparison.Ordinal);

        foreach (string damaged in new[] { "{", "null", "{\"Epoch\":0}", "{\"Epoch\":2,\"Records\":[]}" })
        {
            File.WriteAllText(state, damaged);
            var refused = Assert.Throws<InputException>(() => Trainer.Run(request with { Resume = true }));
            Assert.Contains(state, refused.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("gaussian:0.1")]
    [InlineData("fgsm:8/255")]
    [InlineData("pgd:8/255,2")]
    [Trait("Speed", "slow")]
    public void Variants_train_to_different_weights_than_natural(string augment)
    {
        Trainer.Run(Request("natural") with { Epochs = 1 });
        Trainer.Run(Request("variant", augment) with { Epochs = 1 });
        Assert.NotEqual(Weights(Request("natural")), Weights(Request("variant")));
        Assert.Equal(augment, ModelCard.TryLoadFor(Path.Combine(dir.File("variant"), "tiny.safetensors"))!.Augment!.Replace("0.031373", "8/255", StringComparison.Ordinal));
    }
}
