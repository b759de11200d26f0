using FreqProbe.Core.Training;
using MathNet.Numerics.LinearAlgebra;
using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Training;

/// <summary>The F-principle filtering measure against a direct computation with MathNet on a tiny set.</summary>
public sealed class FPrincipleTests
{
    // Xu et al.'s definition written out with nothing shared with the implementation: the kernel entry by entry, its
    // rows normalised, the low parts as matrix products, the errors as Frobenius-norm ratios.
    static (double Low, double High) Reference(double[][] x, Matrix<double> y, Matrix<double> h, double delta)
    {
        int n = x.Length;
        var kernel = Matrix<double>.Build.Dense(n, n, (i, j) => Math.Exp(-x[i].Zip(x[j], (a, b) => (a - b) * (a - b)).Sum() / (2 * delta)));
        kernel = kernel.NormalizeRows(1.0);
        Matrix<double> yLow = kernel * y, hLow = kernel * h;
        return ((hLow - yLow).FrobeniusNorm() / yLow.FrobeniusNorm(), ((h - hLow) - (y - yLow)).FrobeniusNorm() / (y - yLow).FrobeniusNorm());
    }

    static double ReferenceMedian(double[][] x)
    {
        var distances = new List<double>();
        for (int i = 0; i < x.Length; i++)
        {
            for (int j = i + 1; j < x.Length; j++) distances.Add(Math.Sqrt(x[i].Zip(x[j], (a, b) => (a - b) * (a - b)).Sum()));
        }
        distances.Sort();
        return distances[(distances.Count - 1) / 2]; // the lower median for an even count
    }

    [Theory]
    [InlineData(7, 0.2)]   // 21 pairs: an odd count
    [InlineData(8, 0.5)]   // 28 pairs: the lower of the two middle values
    public void Errors_and_median_distance_match_a_direct_computation(int n, double width)
    {
        var random = new Random(n);
        const int d = 12, classes = 3;
        double[][] x = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, d).Select(_ => random.NextDouble()).ToArray()).ToArray();
        int[] labels = Enumerable.Range(0, n).Select(i => i % classes).ToArray();
        var y = Matrix<double>.Build.Dense(n, classes, (i, c) => labels[i] == c ? 1 : 0);
        var logits = Matrix<double>.Build.Dense(n, classes, (_, _) => 3 * random.NextDouble());
        var h = Matrix<double>.Build.Dense(n, classes, (i, c) => Math.Exp(logits[i, c]) / Enumerable.Range(0, classes).Sum(k => Math.Exp(logits[i, k])));

        using Tensor xs = tensor(x.SelectMany(r => r).ToArray(), new long[] { n, d });
        using Tensor ys = tensor(y.ToRowMajorArray(), new long[] { n, classes });
        using Tensor hs = tensor(h.ToRowMajorArray(), new long[] { n, classes });
        using Tensor squared = FPrinciple.SquaredDistances(xs);
        double median = FPrinciple.MedianDistance(squared);
        Assert.Equal(ReferenceMedian(x), median, 1e-12);

        double delta = width * median * (width * median);
        (double low, double high) = FPrinciple.Errors(squared, delta, ys, hs);
        (double expectedLow, double expectedHigh) = Reference(x, y, h, delta);
        Assert.Equal(expectedLow, low, 1e-10);
        Assert.Equal(expectedHigh, high, 1e-10);
        Assert.NotEqual(low, high, 1e-3);
    }

    [Fact]
    public void Outputs_equal_to_the_labels_have_no_error_at_any_frequency()
    {
        using Tensor x = rand(new long[] { 6, 4 }, dtype: ScalarType.Float64);
        using Tensor y = nn.functional.one_hot(tensor(new long[] { 0, 1, 2, 0, 1, 2 }), 3).to(ScalarType.Float64);
        using Tensor squared = FPrinciple.SquaredDistances(x);
        (double low, double high) = FPrinciple.Errors(squared, 0.3, y, y);
        Assert.Equal(0, low, 1e-12);
        Assert.Equal(0, high, 1e-12);
    }
}
