using FreqProbe.Core.Datasets;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Interactions;
using FreqProbe.Core.Models;
using FreqProbe.Core.Results;
using FreqProbe.Core.Spectral;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Interactions;

/// <summary>The whole path (selection, masks, forward passes, values) on models whose interactions are known.</summary>
public sealed class InteractionRunnerTests
{
    static readonly float[] Mean = { 0.4914f, 0.4822f, 0.4465f }, Std = { 0.2470f, 0.2435f, 0.2616f };

    static InteractionRequest Request(ModelSpec model, string? weights, PlayerSpec players, InteractionValue value, int images, int pairs, int contexts,
        int batch = 64, int threads = 2, ShardSpec? shard = null) => new(new RunRequest
        {
            Model = model,
            WeightsPath = weights,
            Preprocess = PreprocessPolicy.Native(32),
            Mean = Mean,
            Std = Std,
            Dataset = new DatasetOptions("synthetic", null, "test"),
            Filters = Array.Empty<FrequencyFilter>(),
            BatchSize = batch,
            Threads = threads,
            Device = "cpu",
            Seed = 5,
            Shard = shard,
        }, players, images, new InteractionSampling(pairs, contexts, InteractionOrders.DefaultRatios, 5), value);

    static ModelSpec Custom(string name, Func<int, nn.Module<Tensor, Tensor>> factory) =>
        new(name, "test model", PreprocessPolicy.Native(32), Mean, Std, factory) { DefaultDataset = "cifar10" };

    // Logits linear in the input: a random affine map of the flattened image.
    static ModelSpec Linear => Custom("linear", classes => nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, classes)));

    [Theory]
    [InlineData("patches")]
    [InlineData("bands")]
    public void A_model_whose_logit_is_linear_in_its_input_has_no_interactions_at_any_order(string kind)
    {
        // Patches mask the normalised input and bands its spectrum before a linear normalisation: v(S) stays affine in
        // the presence vector, so every dv is 0 up to float32 rounding of logits of order 1.
        InteractionResult linear = InteractionRunner.Run(Request(Linear, null, new PlayerSpec(kind), InteractionValue.Logit, images: 3, pairs: 6, contexts: 3));
        Assert.Equal(3, linear.Images.Count);
        Assert.All(linear.Images, i => Assert.True(Math.Abs(i.FullValue - i.EmptyValue) > 1e-3, "the model should depend on the image"));
        for (int o = 0; o < linear.Orders.Count; o++) Assert.True(linear.MeanAbs(o) < 2e-5, $"order {linear.Orders[o]}: mean |I| {linear.MeanAbs(o)}");

        // The log-odds of the same model is not linear in its logits, and the same estimate sees it.
        InteractionResult odds = InteractionRunner.Run(Request(Linear, null, new PlayerSpec(kind), InteractionValue.LogOdds, images: 3, pairs: 6, contexts: 3));
        double strongest = Enumerable.Range(0, odds.Orders.Count).Max(odds.MeanAbs);
        double linearStrongest = Enumerable.Range(0, linear.Orders.Count).Max(linear.MeanAbs);
        Assert.True(strongest > 1e-4 && strongest > 100 * linearStrongest, $"log-odds: {strongest}, logit: {linearStrongest}");
    }

    // Every logit is 1 exactly when patches a and b both hold image content (an absent patch is 0 after normalisation).
    sealed class PatchAndGate : nn.Module<Tensor, Tensor>
    {
        readonly int a, b, grid, classes;

        public PatchAndGate(int a, int b, int grid, int classes) : base("and-gate")
        {
            (this.a, this.b, this.grid, this.classes) = (a, b, grid, classes);
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            long n = x.shape[0], cell = x.shape[2] / grid;
            Tensor present = x.abs().sum(1).reshape(n, grid, cell, grid, cell).sum(new long[] { 2, 4 }).reshape(n, grid * grid).gt(0).to(ScalarType.Float32);
            Tensor both = present.select(1, a) * present.select(1, b);
            return both.unsqueeze(1).expand(n, classes).contiguous().MoveToOuterDisposeScope();
        }
    }

    [Fact]
    public void A_model_that_needs_two_patches_gives_their_pair_an_interaction_of_one_at_every_order()
    {
        const int grid = 4, a = 5, b = 10; // patches (1,1) and (2,2) of a 4 x 4 grid: neighbours
        ModelSpec gate = Custom("and-gate", classes => new PatchAndGate(a, b, grid, classes));
        // Equal logits: argmax is class 0, so the correctly classified images are those of class 0.
        InteractionResult r = InteractionRunner.Run(Request(gate, null, new PlayerSpec("patches", Grid: grid), InteractionValue.Logit, images: 2, pairs: 10_000, contexts: 4));
        Assert.Equal(2, r.Images.Count);
        Assert.All(r.Images, i => Assert.Equal(0, i.Label));
        PlayerSet players = PlayerSet.Patches(grid, 32);
        Assert.All(r.Images, i => Assert.Equal(players.CandidatePairs.Count, i.Pairs));
        for (int o = 0; o < r.Orders.Count; o++)
        {
            Assert.All(r.Images, i => Assert.Equal(1.0, i.SumSigned[o], 12)); // the pair (a, b): 1; every other pair: 0
            Assert.All(r.Images, i => Assert.Equal(1.0, i.SumAbs[o], 12));
            Assert.Equal(1.0, r.Strength(o), 12);
        }
        Assert.All(r.Images, i => Assert.Equal((1.0, 0.0), (i.FullValue, i.EmptyValue)));
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void Batch_size_threads_and_shards_do_not_change_the_result()
    {
        string weights = BuiltInModels.Resolve(BuiltInModels.Default);
        ModelSpec model = ModelRegistry.Get(ModelCard.TryLoadFor(weights)!.Model!);
        InteractionRequest Make(int batch, int threads, ShardSpec? shard = null) =>
            Request(model, weights, new PlayerSpec("bands", Bands: 8), InteractionValue.LogOdds, images: 4, pairs: 3, contexts: 2, batch, threads, shard);

        InteractionResult small = InteractionRunner.Run(Make(3, 1));
        InteractionResult large = InteractionRunner.Run(Make(64, 2));
        var shards = Enumerable.Range(0, 3).Select(k => ($"shard{k}.json", InteractionRunner.Run(Make(64, 2, new ShardSpec(k, 3))))).ToArray();
        Assert.Equal(new[] { 2, 1, 1 }, shards.Select(s => s.Item2.Images.Count));
        InteractionResult merged = InteractionAnalysis.Instance.Merge(shards, "merge");

        Assert.Equal(4, small.Images.Count);
        Assert.Equal(small.Images.Select(i => i.Index), large.Images.Select(i => i.Index));
        Assert.Equal(large.Images.Select(i => i.Index), merged.Images.Select(i => i.Index));
        for (int o = 0; o < small.Orders.Count; o++)
        {
            // Different batch sizes and thread counts may round the float32 logits differently; shards of one batch size are exact.
            Assert.Equal(small.Strength(o), large.Strength(o), 1e-4);
            Assert.Equal(large.Strength(o), merged.Strength(o));
            Assert.Equal(large.MeanAbs(o), merged.MeanAbs(o));
        }
        Assert.Equal(4, merged.Metadata.Evaluated);
        Assert.Null(merged.Metadata.Shard);
    }
}
