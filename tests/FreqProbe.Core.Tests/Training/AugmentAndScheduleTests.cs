using FreqProbe.Core.Training;

namespace FreqProbe.Core.Tests.Training;

public sealed class AugmentAndScheduleTests
{
    [Fact]
    public void Parses_training_variants_with_fractions()
    {
        Assert.Equal(AugmentKind.None, AugmentSpec.Parse("none").Kind);
        AugmentSpec gaussian = AugmentSpec.Parse("gaussian:0.1");
        Assert.Equal((AugmentKind.Gaussian, 0.1), (gaussian.Kind, gaussian.Sigma));
        AugmentSpec fgsm = AugmentSpec.Parse("fgsm:8/255");
        Assert.Equal(8.0 / 255, fgsm.Epsilon, 12);
        Assert.Equal(1.25 * 8.0 / 255, fgsm.FgsmStep, 12);
        AugmentSpec pgd = AugmentSpec.Parse("pgd:8/255,7");
        Assert.Equal((AugmentKind.Pgd, 7), (pgd.Kind, pgd.Steps));
        Assert.Equal("fgsm:0.031373", fgsm.ToString());
    }

    [Theory]
    [InlineData("fgsm")]
    [InlineData("fgsm:-1")]
    [InlineData("gaussian:abc")]
    [InlineData("pgd:8/255")]
    [InlineData("pgd:8/255,0")]
    [InlineData("mixup:0.2")]
    [InlineData("fgsm:8/0")]
    public void Rejects_bad_variants(string text) =>
        Assert.Equal("augment", Assert.Throws<InputException>(() => AugmentSpec.Parse(text)).Setting);

    [Fact]
    public void One_cycle_warms_up_for_30_percent_then_anneals_to_a_tiny_rate()
    {
        const double max = 0.1;
        const long total = 1001;
        Assert.Equal(max / 25, LearningRateSchedule.At("onecycle", 0, total, max), 12);
        Assert.Equal(max, LearningRateSchedule.At("onecycle", 300, total, max), 12);
        Assert.Equal(max / 25 / 1e4, LearningRateSchedule.At("onecycle", 1000, total, max), 12);
        double[] rates = Enumerable.Range(0, 1001).Select(s => LearningRateSchedule.At("onecycle", s, total, max)).ToArray();
        Assert.Equal(300, Array.IndexOf(rates, rates.Max()));
        Assert.Equal(max, LearningRateSchedule.At("cosine", 0, total, max), 12);
        Assert.Equal(max / 2, LearningRateSchedule.At("cosine", 500, total, max), 12);
        Assert.Equal(0, LearningRateSchedule.At("cosine", 1000, total, max), 12);
    }
}
