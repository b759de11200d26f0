using FreqProbe.Core.Spectral;

namespace FreqProbe.Core.Tests.Spectral;

public sealed class RadiusListTests
{
    [Theory]
    [InlineData("4..8", new[] { 4.0, 5, 6, 7, 8 })]
    [InlineData("4..32:4", new[] { 4.0, 8, 12, 16, 20, 24, 28, 32 })]
    [InlineData("2,4,8", new[] { 2.0, 4, 8 })]
    [InlineData("1,2,4..16:4", new[] { 1.0, 2, 4, 8, 12, 16 })]
    [InlineData("8,2,2,8", new[] { 2.0, 8 })]
    [InlineData("0..1:0.25", new[] { 0, 0.25, 0.5, 0.75, 1 })]
    [InlineData("0..1:0.1", new[] { 0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1 })]
    [InlineData("2.5, 3 ,0", new[] { 0, 2.5, 3 })]
    [InlineData("4..9:4", new[] { 4.0, 8 })]
    public void Parses_the_grammar(string text, double[] expected) => Assert.Equal(expected, RadiusList.Parse(text));

    [Theory]
    [InlineData("-1", "negative")]
    [InlineData("4..-2", "negative")]
    [InlineData("abc", "not a number")]
    [InlineData("8..4", "backwards")]
    [InlineData("4..8:0", "must be positive")]
    [InlineData("4,,8", "empty item")]
    [InlineData("", "empty radius list")]
    [InlineData("NaN", "not a number")]
    [InlineData("0..1e9:1e-3", "more than")]
    public void Rejects_bad_input_with_a_reason(string text, string reason)
    {
        var error = Assert.Throws<InputException>(() => RadiusList.Parse(text));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Equal("radii", error.Setting);
    }

    [Fact]
    public void Parses_bands_and_rejects_empty_ones()
    {
        Assert.Equal(new[] { (0.0, 4.0), (4.0, 8.0), (8.5, 16.0) }, RadiusList.ParseBands("0-4,4-8,8.5-16"));
        Assert.Contains("r1 < r2", Assert.Throws<InputException>(() => RadiusList.ParseBands("4-4")).Message, StringComparison.Ordinal);
        Assert.Contains("negative", Assert.Throws<InputException>(() => RadiusList.ParseBands("-2-4")).Message, StringComparison.Ordinal);
        Assert.Contains("not a band", Assert.Throws<InputException>(() => RadiusList.ParseBands("4")).Message, StringComparison.Ordinal);
    }
}
