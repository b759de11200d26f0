using FreqProbe.Core.Interactions;
using FreqProbe.Core.Spectral;

namespace FreqProbe.Core.Tests.Interactions;

public sealed class PlayerSetTests
{
    [Fact]
    public void Patches_tile_the_image_and_pair_only_neighbours_within_chebyshev_two()
    {
        PlayerSet patches = PlayerSet.Patches(8, 32);
        Assert.Equal(64, patches.Count);
        int[] sizes = new int[64];
        for (int c = 0; c < patches.Cells; c++) sizes[patches.PlayerOf(c)]++;
        Assert.All(sizes, s => Assert.Equal(16, s));
        Assert.Equal(patches.PlayerOf(0), patches.PlayerOf(3 * 32 + 3));   // pixel (3,3) is in patch 0
        Assert.Equal(9, patches.PlayerOf(4 * 32 + 4));                      // pixel (4,4) starts patch (1,1)
        Assert.Equal(8, patches.CandidatePairs.Count(p => p.I == 0));      // the 3x3 block right-below the corner
        Assert.Contains((0, 18), patches.CandidatePairs);                   // (0,0)-(2,2)
        Assert.DoesNotContain((0, 3), patches.CandidatePairs);              // (0,0)-(0,3): distance 3
        Assert.All(patches.CandidatePairs, p => Assert.True(p.I < p.J));

        PlayerSet odd = PlayerSet.Patches(3, 32); // 32 is not a multiple of 3: patches of 10 or 11 pixels a side
        Assert.Equal(9, Enumerable.Range(0, odd.Cells).Select(odd.PlayerOf).Distinct().Count());
        Assert.Throws<InputException>(() => PlayerSet.Patches(1, 32));
        Assert.Throws<InputException>(() => PlayerSet.Patches(33, 32));
    }

    [Theory]
    [InlineData(16, 32)]
    [InlineData(8, 224)]
    [InlineData(5, 31)]
    public void A_union_of_adjacent_bands_is_the_engines_band_pass_mask(int count, int size)
    {
        PlayerSet bands = PlayerSet.Bands(count, size);
        Assert.Equal(count, bands.Count);
        Assert.Equal(count * (count - 1) / 2, bands.CandidatePairs.Count);
        IReadOnlyList<double> edges = bands.BandEdges!;
        double corner = Math.Sqrt(2) * (size / 2);
        Assert.Equal(corner, edges[^1], 9);
        foreach ((int first, int last) in new[] { (0, 0), (1, count / 2), (count / 2, count - 2) })
        {
            float[] engine = CentredMask.Build(FrequencyFilter.BandPass(edges[first], edges[last + 1]), size, size).ToHalfSpectrum();
            for (int c = 0; c < bands.Cells; c++)
            {
                int p = bands.PlayerOf(c);
                Assert.True((p >= first && p <= last) == (engine[c] == 1f), $"cell {c}: band {p}, engine mask {engine[c]}");
            }
        }
        // Every band together keeps every coefficient: the image itself.
        float[] low = CentredMask.Build(FrequencyFilter.LowPass(corner + 1), size, size).ToHalfSpectrum();
        Assert.All(low, m => Assert.Equal(1f, m));
        Assert.Equal(size * (size / 2 + 1), bands.Cells);
    }

    [Fact]
    public void Too_many_bands_for_the_grid_are_refused_with_the_reason()
    {
        var e = Assert.Throws<InputException>(() => PlayerSet.Bands(200, 32));
        Assert.Contains("without a coefficient", e.Message);
        Assert.Throws<InputException>(() => PlayerSet.Bands(1, 32));
    }
}
