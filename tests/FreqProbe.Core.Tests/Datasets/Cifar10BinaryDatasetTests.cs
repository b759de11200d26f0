using FreqProbe.Core.Datasets;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Core.Tests.Datasets;

public sealed class Cifar10BinaryDatasetTests
{
    [Fact]
    public void Reads_labels_and_planar_pixels_as_interleaved_RGB()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("test_batch.bin"), SyntheticCifar.Records(12));
        using Cifar10BinaryDataset data = Cifar10BinaryDataset.Open(dir.Path);
        Assert.Equal(12, data.Count);
        Assert.Equal(10, data.ClassNames.Count);
        for (int r = 0; r < 12; r++)
        {
            Assert.Equal(r % 10, data.LabelAt(r));
            RgbImage image = data.Decode(r);
            Assert.Equal((32, 32), (image.Width, image.Height));
            foreach (int p in new[] { 0, 1, 33, 1023 })
            {
                for (int c = 0; c < 3; c++) Assert.Equal(SyntheticCifar.PixelValue(r, c, p), image.Pixels[p * 3 + c]);
            }
        }
    }

    [Fact]
    public void Train_split_concatenates_the_five_batches_in_order()
    {
        using var dir = new TempDirectory();
        for (int i = 1; i <= 5; i++) File.WriteAllBytes(dir.File($"data_batch_{i}.bin"), SyntheticCifar.Records(i, r => (byte)(i - 1)));
        using Cifar10BinaryDataset data = Cifar10BinaryDataset.Open(dir.Path, "train");
        Assert.Equal(15, data.Count);
        Assert.Equal(new[] { 0, 1, 1, 2, 2, 2 }, Enumerable.Range(0, 6).Select(data.LabelAt));
        Assert.Contains("data_batch_5.bin record 4", data.Describe(14), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-100)]
    [InlineData(7)]
    public void A_truncated_or_oversized_file_is_an_error_naming_file_size_and_record_size(int extraBytes)
    {
        using var dir = new TempDirectory();
        byte[] records = SyntheticCifar.Records(5);
        byte[] bytes = new byte[records.Length + extraBytes];
        Array.Copy(records, bytes, Math.Min(records.Length, bytes.Length));
        File.WriteAllBytes(dir.File("test_batch.bin"), bytes);
        var error = Assert.Throws<InputException>(() => Cifar10BinaryDataset.Open(dir.Path));
        Assert.Contains(dir.File("test_batch.bin"), error.Message, StringComparison.Ordinal);
        Assert.Contains($"size {bytes.Length} bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("3073-byte records", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_label_is_an_error_naming_the_record()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("test_batch.bin"), SyntheticCifar.Records(6, r => r == 4 ? (byte)12 : (byte)1));
        var error = Assert.Throws<InputException>(() => Cifar10BinaryDataset.Open(dir.Path));
        Assert.Contains("record 4", error.Message, StringComparison.Ordinal);
        Assert.Contains("label 12", error.Message, StringComparison.Ordinal);
        Assert.Contains("0–9", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_files_and_folders_are_named()
    {
        using var dir = new TempDirectory();
        Assert.Contains("test_batch.bin", Assert.Throws<InputException>(() => Cifar10BinaryDataset.Open(dir.Path)).Message, StringComparison.Ordinal);
        Assert.Contains("not a directory", Assert.Throws<InputException>(() => Cifar10BinaryDataset.Open(dir.File("nope"))).Message, StringComparison.Ordinal);
        Assert.Contains("expected test or train", Assert.Throws<InputException>(() => Cifar10BinaryDataset.Open(dir.Path, "val")).Message, StringComparison.Ordinal);
    }

    [Cifar10Fact]
    public void Real_test_batch_has_ten_thousand_valid_records()
    {
        using Cifar10BinaryDataset data = Cifar10BinaryDataset.Open(SharedData.Cifar10);
        Assert.Equal(10_000, data.Count);
        int[] counts = new int[10];
        for (int i = 0; i < 1000; i++) counts[data.LabelAt(i)]++;
        Assert.All(counts, c => Assert.InRange(c, 50, 150)); // the shared copy is shuffled: any prefix is near balanced
        RgbImage first = data.Decode(0);
        Assert.True(first.Pixels.Distinct().Count() > 50, "a real photo has many distinct values");
    }
}
