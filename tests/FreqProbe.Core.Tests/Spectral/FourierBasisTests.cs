using FreqProbe.Core.Spectral;

namespace FreqProbe.Core.Tests.Spectral;

public sealed class FourierBasisTests
{
    [Theory]
    [InlineData(0, 0, 32)]
    [InlineData(3, -5, 32)]
    [InlineData(-16, 0, 32)]
    [InlineData(-16, -16, 32)]
    [InlineData(7, 15, 32)]
    [InlineData(2, 1, 9)]
    public void Basis_is_real_unit_norm_and_holds_only_its_frequency_and_mirror(int u, int v, int n)
    {
        float[] basis = FourierBasis.Image(u, v, n);
        Assert.Equal(1.0, Math.Sqrt(basis.Sum(p => (double)p * p)), 5);
        double[] plane = basis.Select(p => (double)p).ToArray();
        (int mu, int mv) = FourierBasis.Mirror(u, v, n);
        // The MathNet reference DFT: all the energy sits at (u, v) and (−u, −v), none anywhere else.
        // The reference passes (row offset, column offset) = (v, u).
        double kept = ReferenceFilter.EnergyKept(plane, n, n, (fv, fu) => (fu == u && fv == v) || (fu == mu && fv == mv) ? 1 : 0);
        Assert.Equal(1.0, kept, 5);
        Assert.Equal(basis, FourierBasis.Image(mu, mv, n));
    }

    [Theory]
    [InlineData(32, 16)]
    [InlineData(32, 3)]
    [InlineData(9, 4)]
    public void The_half_plane_and_its_mirror_cover_the_grid_once(int n, int k)
    {
        var half = FourierBasis.HalfPlane(n, k);
        var covered = new HashSet<(int, int)>();
        foreach ((int u, int v) in half)
        {
            Assert.True(covered.Add((u, v)), $"({u}, {v}) twice");
            (int mu, int mv) = FourierBasis.Mirror(u, v, n);
            if ((mu, mv) != (u, v)) Assert.True(covered.Add((mu, mv)), $"mirror ({mu}, {mv}) twice");
        }
        int side = Enumerable.Range(-n / 2, n).Count(f => Math.Abs(f) <= k);
        Assert.Equal(side * side, covered.Count);
        if (n == 32 && k == 16) Assert.Equal(32 * 32 / 2 + 2, half.Count); // DC, (−16,0), (0,−16), (−16,−16) are their own mirrors
    }
}
