using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Cli.Tests;

public sealed class KernelsCommandTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    [Trait("Speed", "slow")]
    public void Builtin_model_gives_a_row_per_convolution_and_pictures_of_the_stated_size()
    {
        string csv = dir.File("k.csv"), pictures = dir.File("pictures");
        CliRun run = CliRun.Invoke("kernels", "--layers", "^(conv1|layer3\\.2\\.conv2)$", "--out", csv, "--pictures", pictures);
        Assert.True(run.ExitCode == 0, run.Error);
        string[] lines = File.ReadAllLines(csv);
        Assert.Equal("layer,out_channels,in_channels,kernel,energy_f_lt_0.25,energy_f_0.25_0.5,energy_f_ge_0.5,diversity,effective_rank", lines[0]);
        Assert.Equal(new[] { "conv1", "layer3.2.conv2" }, lines.Skip(1).Select(l => l.Split(',')[0]));

        // 16 channels: a 4x4 grid of 32x32 spectra at zoom 4 with 2-pixel gaps; 64 channels: 8x8.
        Assert.Equal((4 * 130 + 2, 4 * 130 + 2), TestImages.Size(Path.Combine(pictures, "conv1.png")));
        Assert.Equal((8 * 130 + 2, 8 * 130 + 2), TestImages.Size(Path.Combine(pictures, "layer3.2.conv2.png")));
        Assert.Equal((1000, 560), TestImages.Size(Path.Combine(pictures, "radial-profiles.png")));
    }

    [Fact]
    public void Bad_options_are_all_reported()
    {
        CliRun run = CliRun.Invoke("kernels", "--bands", "0.5,0.25", "--size", "2", "--out", dir.File("k.txt"), "--weights", dir.File("missing.safetensors"));
        Assert.Equal(2, run.ExitCode);
        foreach (string expected in new[] { "--bands: '0.5,0.25'", "--size: 2", "--out: ", "missing.safetensors' not found" })
        {
            Assert.Contains(expected, run.Error, StringComparison.Ordinal);
        }
    }
}
