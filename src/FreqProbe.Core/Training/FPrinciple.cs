using FreqProbe.Core.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Training;

/// <summary>
/// The filtering measure of the frequency principle (Xu et al. 2019, "Frequency Principle: Fourier Analysis Sheds Light
/// on Deep Neural Networks"). On n inputs x_i (images flattened to [0,1] vectors) a Gaussian kernel
/// K^δ_ij = exp(−‖x_i − x_j‖² / 2δ), each row normalised to sum to 1, smooths any function of the inputs: for one-hot
/// labels Y, y_low = K^δ·Y is their low-frequency part and y_high = Y − y_low the rest; the network's softmax outputs
/// H split the same way. e_low = ‖h_low − y_low‖ / ‖y_low‖ and e_high = ‖h_high − y_high‖ / ‖y_high‖ (Frobenius norms)
/// say how far the network is from the labels at low and at high frequencies. Everything is float64 on the CPU.
/// </summary>
public static class FPrinciple
{
    /// <summary>
    /// The kernel widths measured, as σ = √δ over the median pairwise distance m of the subset: δ = (w·m)². Smaller widths
    /// put the boundary between "low" and "high" at higher frequencies.
    /// </summary>
    public static IReadOnlyList<double> WidthsOverMedian { get; } = new[] { 0.2, 0.3, 0.5 };

    /// <summary>The matrix of squared distances ‖x_i − x_j‖² [n, n] of the rows of <paramref name="x"/> [n, d].</summary>
    public static Tensor SquaredDistances(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor rows = x.to(ScalarType.Float64);
        Tensor norms = rows.mul(rows).sum(1, keepdim: true);
        Tensor gram = rows.mm(rows.t());
        // ‖a‖² + ‖b‖² − 2a·b, clamped at 0 where rounding leaves a tiny negative, with an exact 0 diagonal.
        Tensor squared = norms.add(norms.t(), PinnedScalars.One).sub_(gram.mul_(PinnedScalars.Two)).clamp_min_(PinnedScalars.Zero);
        squared.diagonal().zero_();
        return squared.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The median of the n(n − 1)/2 distances ‖x_i − x_j‖ with i &lt; j (for an even count the lower of the two middle
    /// values, as <c>torch.median</c> takes it).
    /// </summary>
    public static double MedianDistance(Tensor squared)
    {
        using var scope = NewDisposeScope();
        long n = squared.shape[0];
        if (n < 2) throw new ArgumentException("the median pairwise distance needs at least two inputs", nameof(squared));
        Tensor upper = squared.masked_select(ones(n, n, dtype: ScalarType.Bool).triu(1));
        return Math.Sqrt(upper.median().item<double>());
    }

    /// <summary>
    /// e_low and e_high for kernel parameter <paramref name="delta"/> (δ, in squared-distance units), labels
    /// <paramref name="labels"/> [n, C] (one-hot) and outputs <paramref name="outputs"/> [n, C] (softmax), over the inputs
    /// whose squared distances are <paramref name="squared"/>.
    /// </summary>
    public static (double Low, double High) Errors(Tensor squared, double delta, Tensor labels, Tensor outputs)
    {
        if (!(delta > 0)) throw new ArgumentOutOfRangeException(nameof(delta), delta, "δ must be positive");
        using var scope = NewDisposeScope();
        using Scalar scale = (-0.5 / delta).ToScalar();
        Tensor kernel = squared.mul(scale).exp_();
        kernel.div_(kernel.sum(1, keepdim: true));
        Tensor y = labels.to(ScalarType.Float64), h = outputs.to(ScalarType.Float64);
        Tensor yLow = kernel.mm(y), hLow = kernel.mm(h);
        Tensor yHigh = y.sub(yLow), hHigh = h.sub(hLow);
        double low = hLow.sub(yLow).norm().item<double>() / yLow.norm().item<double>();
        double high = hHigh.sub(yHigh).norm().item<double>() / yHigh.norm().item<double>();
        return (low, high);
    }
}
