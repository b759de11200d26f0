using FreqProbe.Core.Evaluation;
using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Evaluation;

/// <summary>What every analysis requires of a model's output before reading it (AdaptiveForward.Check).</summary>
public sealed class LogitsContractTests
{
    static string Describe(long row) => $"row {row}";

    static string Refusal(Tensor logits, long rows = 4, int classes = 10) =>
        Assert.Throws<InputException>(() => AdaptiveForward.Check(logits, rows, classes, Describe)).Message;

    [Fact]
    public void Finite_floating_point_rows_of_class_scores_pass()
    {
        using Tensor logits = randn(4, 10);
        AdaptiveForward.Check(logits, 4, 10, Describe);
        using Tensor half = randn(4, 10).to(ScalarType.BFloat16);
        AdaptiveForward.Check(half, 4, 10, Describe);
    }

    [Theory]
    [InlineData(float.NaN, 2, 1)]
    [InlineData(float.PositiveInfinity, 0, 1)]
    [InlineData(float.NegativeInfinity, 3, 1)]
    public void A_single_non_finite_score_is_refused_naming_its_row(float value, int row, int bad)
    {
        using Tensor logits = randn(4, 10);
        logits[row, 7] = tensor(value);
        string why = Refusal(logits);
        Assert.Contains($"for {bad} of 4 input(s) in one forward pass, the first being row {row}", why, StringComparison.Ordinal);
    }

    [Fact]
    public void The_count_is_of_rows_and_the_first_is_the_lowest()
    {
        using Tensor logits = randn(6, 10);
        logits[4, 0] = tensor(float.NaN);
        logits[1, 2] = tensor(float.NaN);
        logits[1, 3] = tensor(float.PositiveInfinity);
        Assert.Contains("for 2 of 6 input(s) in one forward pass, the first being row 1", Refusal(logits, 6), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new long[] { 2, 10 })]      // fewer rows than inputs
    [InlineData(new long[] { 4, 9 })]       // other classes
    [InlineData(new long[] { 4, 10, 1 })]   // not a matrix
    [InlineData(new long[] { 40 })]
    public void Logits_of_another_shape_are_refused_naming_both_shapes(long[] shape)
    {
        using Tensor logits = zeros(shape);
        string why = Refusal(logits);
        Assert.Contains($"logits of shape [{string.Join(", ", shape)}] for 4 input(s); expected [4, 10]", why, StringComparison.Ordinal);
    }

    [Fact]
    public void Integer_logits_are_refused()
    {
        using Tensor logits = zeros(new long[] { 4, 10 }, ScalarType.Int64);
        Assert.Contains("returned Int64 logits; expected floating-point class scores", Refusal(logits), StringComparison.Ordinal);
    }
}
