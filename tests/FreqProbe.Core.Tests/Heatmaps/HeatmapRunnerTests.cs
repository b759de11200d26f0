using FreqProbe.Core.Datasets;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Heatmaps;
using FreqProbe.Core.Models;
using FreqProbe.Core.Spectral;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Heatmaps;

public sealed class HeatmapRunnerTests
{
    const int Images = 6, MaxFrequency = 3;

    static HeatmapRequest Request(int batch, int threads)
    {
        string weights = BuiltInModels.Resolve(BuiltInModels.Default);
        ModelCard card = ModelCard.TryLoadFor(weights)!;
        return new HeatmapRequest(new RunRequest
        {
            Model = ModelRegistry.Get(card.Model!),
            WeightsPath = weights,
            Preprocess = PreprocessPolicy.Native(32),
            Mean = card.Mean!,
            Std = card.Std!,
            Dataset = new DatasetOptions("synthetic", null, "test"),
            Filters = Array.Empty<FrequencyFilter>(),
            Limit = Images,
            BatchSize = batch,
            Threads = threads,
            Device = "cpu",
            Seed = 11,
        }, Epsilon: 12, MaxFrequency: MaxFrequency);
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void Mirrored_half_plane_equals_a_full_computation_and_batching_changes_nothing()
    {
        HeatmapResult heat = HeatmapRunner.Run(Request(batch: 4, threads: 2));
        Assert.Equal(Images, heat.Evaluated);
        Assert.Equal(25, heat.Bases); // (7 x 7 + 1) / 2

        // The full computation: every (u, v) with its own basis image, the sign its mirror pair was given.
        HeatmapRequest request = Request(Images, 1);
        ModelCard card = ModelCard.TryLoadFor(request.Evaluation.WeightsPath!)!;
        using nn.Module<Tensor, Tensor> model = request.Evaluation.Model.Create(10);
        StateDictBinder.LoadFile(model, request.Evaluation.WeightsPath!);
        model.eval();
        using var guard = no_grad();
        using IImageDataset data = DatasetRegistry.Open(request.Evaluation.Dataset);
        var stream = new BatchStream(data, Images, Images, request.Evaluation.Preprocess, 1, BadImagePolicy.Fail);
        ImageBatch batch = stream.Read().Single();
        using Tensor x = tensor(batch.Pixels, new long[] { Images, 3, 32, 32 });
        using Tensor mean = tensor(card.Mean!.ToArray(), new long[] { 1, 3, 1, 1 });
        using Tensor std = tensor(card.Std!.ToArray(), new long[] { 1, 3, 1, 1 });
        var half = FourierBasis.HalfPlane(32, MaxFrequency);
        using Scalar epsilon = 12.0.ToScalar(), zero = 0.0.ToScalar(), one = 1.0.ToScalar();
        int differing = 0;
        for (int v = -MaxFrequency; v <= MaxFrequency; v++)
        {
            for (int u = -MaxFrequency; u <= MaxFrequency; u++)
            {
                int index = half.ToList().FindIndex(b => b == (u, v) || b == FourierBasis.Mirror(u, v, 32));
                using var scope = NewDisposeScope();
                Tensor signs = tensor(HeatmapRunner.Signs(11, batch.Indices, Images, index, 1), new long[] { Images, 3, 1, 1 });
                Tensor basis = tensor(FourierBasis.Image(u, v, 32), new long[] { 1, 1, 32, 32 });
                Tensor perturbed = x.add(basis.mul(signs).mul_(epsilon), one).clamp_(zero, one);
                long wrong = model.forward((perturbed - mean) / std).argmax(1).ne(tensor(batch.Labels.Select(l => (long)l).ToArray())).sum().item<long>();
                if (wrong != heat.Errors[v + 16, u + 16]) differing++;
            }
        }
        Assert.Equal(0, differing);
        Assert.True(Enumerable.Range(0, 32).Any(i => Enumerable.Range(0, 32).Any(j => heat.Errors[i, j] > 0)), "eps 12 should cause some errors");
        Assert.Equal(-1, heat.Errors[0, 0]); // (−16, −16) is outside --max-freq 3

        HeatmapResult other = HeatmapRunner.Run(Request(batch: 5, threads: 1));
        Assert.Equal(heat.Errors, other.Errors);
    }
}
