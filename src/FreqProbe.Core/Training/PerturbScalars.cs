using TorchSharp;

namespace FreqProbe.Core.Training;

/// <summary>
/// The constants that the training perturbations multiply, add and clamp with, as Scalars that live as long as the
/// run. Passing a double where TorchSharp wants a Scalar makes a temporary that nothing references once its native
/// handle is taken, so the garbage collector may finalize it while libtorch is still reading it; long runs then fail
/// at random with "Unknown scalar type". Holding them here keeps every handle valid until the run ends.
/// </summary>
internal sealed class PerturbScalars : IDisposable
{
    public PerturbScalars(AugmentSpec augment)
    {
        double epsilon = augment.Kind is AugmentKind.Fgsm or AugmentKind.Pgd ? augment.Epsilon : 0;
        double alpha = augment.Kind switch
        {
            AugmentKind.Fgsm => augment.FgsmStep,
            AugmentKind.Pgd => augment.PgdStep,
            _ => 0,
        };
        Sigma = (augment.Kind == AugmentKind.Gaussian ? augment.Sigma : 0).ToScalar();
        Epsilon = epsilon.ToScalar();
        NegativeEpsilon = (-epsilon).ToScalar();
        TwoEpsilon = (2 * epsilon).ToScalar();
        Alpha = alpha.ToScalar();
    }

    public Scalar Sigma { get; }
    public Scalar Epsilon { get; }
    public Scalar NegativeEpsilon { get; }
    public Scalar TwoEpsilon { get; }
    public Scalar Alpha { get; }

    public void Dispose()
    {
        foreach (Scalar s in new[] { Sigma, Epsilon, NegativeEpsilon, TwoEpsilon, Alpha }) s.Dispose();
    }
}
