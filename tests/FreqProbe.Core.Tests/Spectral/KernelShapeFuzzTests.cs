using System.Diagnostics;
using FreqProbe.Core.Spectral;
using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Spectral;

/// <summary>
/// Seeded shape fuzzing of what `kernels` reads from a bare state dict (issue 32 #13): any mix of convolution weights
/// and ODConv, CondConv and FDConv keys, with any number of dimensions and sizes including 0, gives results, a problem
/// naming the tensor, or an <see cref="InputException"/>, never another exception.
/// </summary>
public sealed class KernelShapeFuzzTests
{
    static readonly long[] Sizes = { 0, 1, 1, 2, 2, 3, 3, 4, 5, 6, 7, 8, 12, 16, 24 };

    static long[] Shape(Random random, int minDims, int maxDims)
    {
        int dims = random.Next(minDims, maxDims + 1);
        return Enumerable.Range(0, dims).Select(_ => Sizes[random.Next(Sizes.Length)]).ToArray();
    }

    static Dictionary<string, Tensor> StateDict(Random random)
    {
        var dict = new Dictionary<string, Tensor>();
        void Add(string key, long[] shape)
        {
            if (shape.Aggregate(1L, (a, b) => a * b) > 50_000) shape = shape.Select(d => Math.Min(d, 4)).ToArray();
            dict[key] = random.Next(8) == 0 ? zeros(shape) : randn(shape);
        }
        for (int layer = 0; layer < random.Next(1, 4); layer++)
        {
            string name = $"l{layer}";
            switch (random.Next(4))
            {
                case 0:
                    Add($"{name}.weight", Shape(random, 3, 5));
                    break;
                case 1:
                    Add($"{name}.weight", Shape(random, 4, 6));
                    Add($"{name}.attention.kernel_fc.weight", Shape(random, 0, 4));
                    break;
                case 2:
                    Add($"{name}.weight", Shape(random, 1, 3));
                    Add($"{name}.routing_fn.weight", Shape(random, 0, 3));
                    if (random.Next(3) > 0) Add($"{name}.bias", Shape(random, 1, 3));
                    break;
                default:
                    Add($"{name}.dft_weight", random.Next(2) == 0 ? Shape(random, 3, 5) : new[] { Sizes[random.Next(3)], 24, 11, 2 });
                    Add($"{name}.KSM_Global.kernel_fc.weight", random.Next(2) == 0 ? Shape(random, 0, 4) : new long[] { 4, 16, 1, 1 });
                    Add($"{name}.KSM_Global.filter_fc.weight", random.Next(2) == 0 ? Shape(random, 0, 4) : new long[] { 8, 16, 1, 1 });
                    if (random.Next(4) > 0) Add($"{name}.KSM_Global.channel_fc.weight", random.Next(2) == 0 ? Shape(random, 0, 4) : new long[] { 6, 16, 1, 1 });
                    break;
            }
        }
        return dict;
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void Random_shapes_give_results_problems_or_input_errors_only()
    {
        const int Cases = 2000;
        var random = new Random(32_13);
        int results = 0, refused = 0, problems = 0, analysedBanks = 0;
        var clock = Stopwatch.StartNew();
        for (int c = 0; c < Cases; c++)
        {
            using var scope = NewDisposeScope();
            Dictionary<string, Tensor> dict = StateDict(random);
            string shapes = string.Join("; ", dict.Select(p => $"{p.Key} [{string.Join(",", p.Value.shape)}]"));
            try
            {
                (IReadOnlyList<KernelBank> banks, IReadOnlyList<string> unread) = KernelBankLayouts.Find(dict);
                problems += unread.Count;
                foreach (KernelBank bank in banks)
                {
                    BankFigures figures = KernelBankFigures.Analyse(bank.Layer, bank.Layout, bank.Groups, 8);
                    Assert.True(double.IsFinite(figures.SpectrumCosine) && double.IsFinite(figures.Overlap) && double.IsFinite(figures.WeightCosine), $"case {c}: {shapes}: non-finite bank figures");
                    KernelBankFigures.Embedding(bank.Groups, 8);
                    analysedBanks++;
                }
                foreach (LayerSpectrum layer in KernelSpectra.Analyse(KernelSpectra.ConvolutionWeights(dict.Select(p => (p.Key, p.Value))), 8, KernelSpectra.DefaultEdges))
                {
                    Assert.True(Math.Abs(layer.BandEnergy.Sum() - 1) < 1e-9, $"case {c}: {shapes}: band energies of {layer.Layer} add up to {layer.BandEnergy.Sum()}");
                }
                results++;
            }
            catch (InputException)
            {
                refused++;
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"case {c}: {shapes}: {e.GetType().Name}: {e.Message}");
            }
        }
        Assert.True(results > Cases / 4 && refused > 0 && problems > 0 && analysedBanks > 0,
            $"{results} analysed, {refused} refused, {problems} problems, {analysedBanks} banks: the generator misses a class");
        Console.WriteLine($"kernel shape fuzz: {Cases} state dicts in {clock.Elapsed.TotalSeconds:0.0} s: {results} analysed ({analysedBanks} banks), {refused} refused, {problems} layouts not read");
    }
}
