using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Cli.Tests;

public sealed class PreviewCommandTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public void Sheets_of_dataset_images_and_of_image_files_decode_at_the_expected_size()
    {
        string sheet = dir.File("sheet.png");
        CliRun run = CliRun.Invoke("preview", "--limit", "3", "--radii", "2,8", "--spectrum", "--out", sheet);
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("3 images x 5 columns", run.Error, StringComparison.Ordinal);
        // 32x32 tiles at zoom 3 (96 px) with 4-px gaps: 5 columns, 3 images x 2 rows; the chart adds 230 x 110 pixels of margins.
        Assert.Equal((5 * 100 + 4 + 230, 6 * 100 + 4 + 110), TestImages.Size(sheet));

        string photo = dir.File("photo.png");
        TestImages.Png(photo, 300, 200, (200, 40, 40));
        string fromFile = dir.File("file.png");
        run = CliRun.Invoke("preview", "--image", photo, "--input-size", "64", "--out", fromFile);
        Assert.True(run.ExitCode == 0, run.Error);
        // 64x64 tiles at zoom 1, 1 + 2 x 4 default radii.
        Assert.Equal((9 * 68 + 4 + 230, 68 + 4 + 110), TestImages.Size(fromFile));
    }

    [Fact]
    public void A_corrupt_image_and_bad_options_are_errors_that_name_them()
    {
        string corrupt = dir.File("corrupt.jpg");
        File.WriteAllBytes(corrupt, new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3 });
        CliRun run = CliRun.Invoke("preview", "--image", corrupt, "--out", dir.File("x.png"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("corrupt.jpg", run.Error, StringComparison.Ordinal);

        run = CliRun.Invoke("preview", "--image", dir.File("missing.jpg"), "--radii", "4..x", "--out", dir.File("x.gif"));
        Assert.Equal(2, run.ExitCode);
        foreach (string expected in new[] { "missing.jpg' not found", "--radii:", "x.gif' must end in .png or .svg" })
        {
            Assert.Contains(expected, run.Error, StringComparison.Ordinal);
        }
    }

    // The sheet holds every image at every setting: held to a sweep's size limits instead of overflowing.
    [Theory]
    [InlineData("100000")]
    [InlineData("8193")]
    public void A_huge_input_size_is_refused_naming_the_largest_allowed(string size)
    {
        CliRun run = CliRun.Invoke("preview", "--input-size", size, "--out", dir.File("huge.png"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"--input-size: {size} pixels is too large", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("huge.png")));
    }
}
