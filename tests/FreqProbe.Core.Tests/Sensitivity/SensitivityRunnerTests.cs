using System.Numerics;
using FreqProbe.Core.Datasets;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Models;
using FreqProbe.Core.Sensitivity;
using FreqProbe.Core.Spectral;
using MathNet.Numerics.IntegralTransforms;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Sensitivity;

/// <summary>The whole path (session, verified plan, forward and backward, DFT, exact sums) on models whose sensitivity is known.</summary>
public sealed class SensitivityRunnerTests
{
    const int Size = 32;

    static SensitivityRequest Request(ModelSpec model, string? weights, SensitivityValue value, int limit, int batch = 8, int threads = 2, ShardSpec? shard = null,
        float[]? mean = null, float[]? std = null) => new(new RunRequest
        {
            Model = model,
            WeightsPath = weights,
            Preprocess = PreprocessPolicy.Native(Size),
            Mean = mean ?? Array.Empty<float>(),
            Std = std ?? Array.Empty<float>(),
            Dataset = new DatasetOptions("synthetic", null, "test"),
            Filters = Array.Empty<FrequencyFilter>(),
            Limit = limit,
            BatchSize = batch,
            Threads = threads,
            Device = "cpu",
            Seed = 3,
            Shard = shard,
        }, value);

    static ModelSpec Custom(string name, Func<int, nn.Module<Tensor, Tensor>> factory) =>
        new(name, "test model", PreprocessPolicy.Native(Size), null, null, factory) { DefaultDataset = "cifar10" };

    // Every logit is <w, x>: the gradient of any logit is w, for every image.
    sealed class Linear : nn.Module<Tensor, Tensor>
    {
        readonly Tensor w;

        public Linear(float[] weights) : base("linear")
        {
            w = tensor(weights, new long[] { 1, 3, Size, Size });
            register_buffer("w", w);
        }

        public override Tensor forward(Tensor x) => (x * w).sum(new long[] { 1, 2, 3 }).unsqueeze(1).repeat(1, 10);
    }

    // Every logit is <g, x>² with g a cosine grating at (u0, v0): the gradient 2<g, x>g has one frequency and its mirror.
    sealed class Grating : nn.Module<Tensor, Tensor>
    {
        readonly Tensor g;

        public Grating(int u0, int v0) : base("grating")
        {
            var values = new float[3 * Size * Size];
            for (int c = 0; c < 3; c++)
            {
                for (int y = 0; y < Size; y++)
                {
                    for (int x = 0; x < Size; x++) values[(c * Size + y) * Size + x] = (float)Math.Cos(2 * Math.PI * (u0 * x + v0 * y) / Size);
                }
            }
            g = tensor(values, new long[] { 1, 3, Size, Size });
            register_buffer("g", g);
        }

        public override Tensor forward(Tensor x)
        {
            Tensor s = (x * g).sum(new long[] { 1, 2, 3 });
            return (s * s).unsqueeze(1).repeat(1, 10);
        }
    }

    static float[] Weights(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, 3 * Size * Size).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    // The channel mean of |unitary DFT|² of planes [3, N, N], centred (a roll by ⌊N/2⌋), from MathNet's DFT.
    static double[] ReferenceMap(Func<int, int, int, double> plane)
    {
        var map = new double[Size * Size];
        for (int c = 0; c < 3; c++)
        {
            var data = new Complex[Size * Size];
            for (int i = 0; i < Size * Size; i++) data[i] = plane(c, i / Size, i % Size);
            var line = new Complex[Size];
            for (int pass = 0; pass < 2; pass++)
            {
                for (int k = 0; k < Size; k++)
                {
                    for (int j = 0; j < Size; j++) line[j] = pass == 0 ? data[k * Size + j] : data[j * Size + k];
                    Fourier.Forward(line, FourierOptions.Matlab);
                    for (int j = 0; j < Size; j++)
                    {
                        if (pass == 0) data[k * Size + j] = line[j];
                        else data[j * Size + k] = line[j];
                    }
                }
            }
            for (int row = 0; row < Size; row++)
            {
                for (int column = 0; column < Size; column++)
                {
                    Complex value = data[row * Size + column] / Size; // unitary: 1/√(N·N)
                    int centredRow = (row + Size / 2) % Size, centredColumn = (column + Size / 2) % Size;
                    map[centredRow * Size + centredColumn] += value.Magnitude * value.Magnitude / 3;
                }
            }
        }
        return map;
    }

    static double[] MeanMap(SensitivityResult r) =>
        Enumerable.Range(0, Size * Size).Select(cell => r.Mean(cell % Size - Size / 2, cell / Size - Size / 2)).ToArray();

    [Fact]
    public void A_linear_model_has_the_power_spectrum_of_its_weights_exactly()
    {
        float[] w = Weights(11);
        SensitivityResult r = SensitivityRunner.Run(Request(Custom("linear", _ => new Linear(w)), null, SensitivityValue.Logit, limit: 6));
        Assert.Equal(6, r.Images.Count);
        double[] expected = ReferenceMap((c, y, x) => w[(c * Size + y) * Size + x]);
        double[] got = MeanMap(r);
        double scale = expected.Max();
        for (int cell = 0; cell < expected.Length; cell++) Assert.True(Math.Abs(got[cell] - expected[cell]) <= 1e-9 * scale, $"cell {cell}: {got[cell]} vs {expected[cell]}");
        // Parseval: each image's map sums to the mean squared gradient per channel, Σw²/3.
        double energy = w.Sum(v => (double)v * v) / 3;
        Assert.All(r.Images, image => Assert.Equal(energy, image.Total, energy * 1e-12));
    }

    [Fact]
    public void The_gradient_is_taken_in_pixel_space_before_normalisation()
    {
        // With normalisation (x − mean)/std inside the run, the gradient in [0,1] pixel space is w_c / std_c.
        float[] w = Weights(12);
        float[] std = { 0.5f, 0.25f, 2f };
        SensitivityResult r = SensitivityRunner.Run(Request(Custom("linear", _ => new Linear(w)), null, SensitivityValue.Logit, limit: 2,
            mean: new[] { 0.4f, 0.5f, 0.6f }, std: std));
        double[] expected = ReferenceMap((c, y, x) => w[(c * Size + y) * Size + x] / (double)std[c]);
        double[] got = MeanMap(r);
        double scale = expected.Max();
        for (int cell = 0; cell < expected.Length; cell++) Assert.True(Math.Abs(got[cell] - expected[cell]) <= 1e-6 * scale, $"cell {cell}");
    }

    [Fact]
    public void A_model_that_reads_one_grating_has_a_single_peak_there_and_at_its_mirror()
    {
        const int u0 = 5, v0 = -3;
        SensitivityResult r = SensitivityRunner.Run(Request(Custom("grating", _ => new Grating(u0, v0)), null, SensitivityValue.Logit, limit: 4));
        double[] got = MeanMap(r);
        double total = got.Sum();
        int Cell(int u, int v) => (v + Size / 2) * Size + u + Size / 2;
        Assert.True(total > 0);
        Assert.Equal(got[Cell(u0, v0)], got[Cell(-u0, -v0)], got[Cell(u0, v0)] * 1e-9);
        Assert.True(got[Cell(u0, v0)] + got[Cell(-u0, -v0)] > (1 - 1e-9) * total, $"the peak pair holds {(got[Cell(u0, v0)] + got[Cell(-u0, -v0)]) / total} of the map");
        // |(u0, v0)| = 5.83 lies in the middle band (5.33 to 10.67 at N = 32): every image's sensitivity is there.
        Assert.All(r.Images, image => Assert.True(image.Middle > (1 - 1e-9) * image.Total));
        var shares = SensitivityBands.Shares(r.Images, Size, 3);
        Assert.Equal(1.0, shares[1].Share, 9);
        Assert.Equal(5, SensitivityBands.Profile(r).Single(b => b.Share > 0.5).Radius);
    }

    [Fact]
    public void The_value_picks_the_output_differentiated()
    {
        // Equal logits: the loss is log 10 whatever the image, so its gradient is zero (up to float32 rounding of the
        // softmax, which sums to 1 within 1e-7); the logit's is w.
        float[] w = Weights(13);
        ModelSpec model = Custom("linear", _ => new Linear(w));
        SensitivityResult loss = SensitivityRunner.Run(Request(model, null, SensitivityValue.Loss, limit: 2));
        SensitivityResult logit = SensitivityRunner.Run(Request(model, null, SensitivityValue.Logit, limit: 2));
        Assert.True(logit.Images.All(i => i.Total > 1));
        Assert.True(loss.Images.All(i => i.Total < 1e-10 * logit.Images[0].Total), $"loss: {loss.Images[0].Total}, logit: {logit.Images[0].Total}");
        using Tensor logits = tensor(new float[] { 1, 2, 4, 0, 0, 0 }, new long[] { 2, 3 });
        using Tensor labels = tensor(new long[] { 2, 0 });
        double[] Of(SensitivityValue v) => SensitivityRunner.Output(v, logits, labels).to(ScalarType.Float64).data<double>().ToArray();
        Assert.Equal(new[] { 4.0, 0.0 }, Of(SensitivityValue.Logit));
        Assert.Equal(Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(4)) - 4, Of(SensitivityValue.Loss)[0], 5);
        Assert.Equal(4 - Math.Log(Math.Exp(1) + Math.Exp(2)), Of(SensitivityValue.LogOdds)[0], 5);
        Assert.Equal(-Math.Log(2), Of(SensitivityValue.LogOdds)[1], 5);
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void Batch_size_threads_and_shards_do_not_change_the_numbers()
    {
        string weights = BuiltInModels.Resolve(BuiltInModels.Default);
        ModelSpec model = ModelRegistry.Get(ModelCard.TryLoadFor(weights)!.Model!);
        float[] mean = { 0.4914f, 0.4822f, 0.4465f }, std = { 0.2470f, 0.2435f, 0.2616f };
        SensitivityRequest Make(int batch, int threads, ShardSpec? shard = null) =>
            Request(model, weights, SensitivityValue.Loss, limit: 12, batch, threads, shard, mean, std);

        SensitivityResult reference = SensitivityRunner.Run(Make(4, 2));
        SensitivityResult other = SensitivityRunner.Run(Make(5, 1));
        var shards = Enumerable.Range(0, 3).Select(k => ($"shard{k}.json", SensitivityRunner.Run(Make(4, 2, new ShardSpec(k, 3))))).ToArray();
        SensitivityResult merged = SensitivityAnalysis.Instance.Merge(shards, "merge");

        Assert.Equal(12, reference.Images.Count);
        Assert.Equal(reference.Images, merged.Images);
        for (int cell = 0; cell < Size * Size; cell++) Assert.Equal(reference.Map.Text(cell), merged.Map.Text(cell));
        Assert.Equal(reference.Images.Select(i => i.Index), other.Images.Select(i => i.Index));
        Assert.Equal(reference.Images, other.Images);
        for (int cell = 0; cell < Size * Size; cell++) Assert.Equal(reference.Map.Text(cell), other.Map.Text(cell));
    }
}
