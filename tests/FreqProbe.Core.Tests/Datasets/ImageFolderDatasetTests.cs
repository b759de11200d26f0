using FreqProbe.Core.Datasets;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Core.Tests.Datasets;

public sealed class ImageFolderDatasetTests
{
    static void WriteImage(string path, byte value, int width = 10, int height = 8)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        TestImages.Png(path, width, height, (value, (byte)(value / 2), 3));
    }

    [Fact]
    public void Orders_by_sorted_class_folder_then_file_name_and_accepts_any_extension_case()
    {
        using var dir = new TempDirectory();
        WriteImage(Path.Combine(dir.Path, "zebra", "b.PNG"), 1);
        WriteImage(Path.Combine(dir.Path, "zebra", "a.png"), 2);
        WriteImage(Path.Combine(dir.Path, "apple", "c.Png"), 3);
        File.WriteAllText(Path.Combine(dir.Path, "apple", "notes.txt"), "not an image");
        using ImageFolderDataset data = ImageFolderDataset.Open(dir.Path);
        Assert.Equal(new[] { "apple", "zebra" }, data.ClassNames);
        Assert.Equal(3, data.Count);
        Assert.Equal(new[] { "c.Png", "a.png", "b.PNG" }, Enumerable.Range(0, 3).Select(i => Path.GetFileName(data.PathAt(i))));
        Assert.Equal(new[] { 0, 1, 1 }, Enumerable.Range(0, 3).Select(data.LabelAt));
        RgbImage decoded = data.Decode(1);
        Assert.Equal((10, 8), (decoded.Width, decoded.Height));
        Assert.Equal(new byte[] { 2, 1, 3 }, decoded.Pixels.Take(3));
    }

    [Fact]
    public void A_class_list_sets_the_labels_and_display_names()
    {
        using var dir = new TempDirectory();
        WriteImage(Path.Combine(dir.Path, "n002", "x.png"), 1);
        WriteImage(Path.Combine(dir.Path, "n009", "y.png"), 2);
        string list = dir.File("classes.txt");
        File.WriteAllLines(list, new[] { "n009 last one", "n005", "n002 first one", "" });
        using ImageFolderDataset data = ImageFolderDataset.Open(Path.Combine(dir.Path), ClassList.Load(list));
        Assert.Equal(new[] { "last one", "n005", "first one" }, data.ClassNames);
        Assert.Equal(new[] { 0, 2 }, new[] { data.LabelAt(0), data.LabelAt(1) });
        Assert.EndsWith("y.png", data.PathAt(0), StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_outside_the_class_list_is_an_error()
    {
        using var dir = new TempDirectory();
        WriteImage(Path.Combine(dir.Path, "n002", "x.png"), 1);
        WriteImage(Path.Combine(dir.Path, "stray", "y.png"), 1);
        string list = dir.File("classes.txt");
        File.WriteAllLines(list, new[] { "n002" });
        var error = Assert.Throws<InputException>(() => ImageFolderDataset.Open(dir.Path, ClassList.Load(list)));
        Assert.Contains("stray", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_corrupt_JPEG_names_its_path_and_skip_mode_counts_it()
    {
        using var dir = new TempDirectory();
        WriteImage(Path.Combine(dir.Path, "a", "0.png"), 10, 32, 32);
        string corrupt = Path.Combine(dir.Path, "a", "1.jpg");
        File.WriteAllBytes(corrupt, new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5, 6, 7 });
        WriteImage(Path.Combine(dir.Path, "b", "2.png"), 20, 32, 32);
        using ImageFolderDataset data = ImageFolderDataset.Open(dir.Path);
        var error = Assert.Throws<BadImageException>(() => data.Decode(1));
        Assert.Equal(corrupt, error.Path);
        Assert.Contains(corrupt, error.Message, StringComparison.Ordinal);

        var policy = PreprocessPolicy.Native(32);
        var failing = new BatchStream(data, 3, 2, policy, 2, BadImagePolicy.Fail);
        Assert.Throws<BadImageException>(() => failing.Read().ToList());

        var skipping = new BatchStream(data, 3, 2, policy, 2, BadImagePolicy.Skip);
        List<ImageBatch> batches = skipping.Read().ToList();
        Assert.Equal(new[] { 0, 2 }, batches.SelectMany(b => b.Indices));
        Assert.Equal(new[] { 0, 1 }, batches.SelectMany(b => b.Labels));
        SkippedImage skipped = Assert.Single(batches.SelectMany(b => b.Skipped));
        Assert.Equal(1, skipped.Index);
        Assert.Equal(corrupt, skipped.Item);
        // The surviving image of the first batch is compacted to slot 0 with its own pixels (10/255 red).
        Assert.Equal(10 / 255f, batches[0].Pixels[0], 6);
    }

    [Fact]
    public void Built_in_ImageNet_list_has_1000_sorted_wnids()
    {
        ClassList list = ClassList.ImageNet1k;
        Assert.Equal(1000, list.Folders.Count);
        Assert.Equal("n01440764", list.Folders[0]);
        Assert.Equal("tench", list.DisplayNames[0]);
        Assert.Equal(list.Folders.OrderBy(f => f, StringComparer.Ordinal), list.Folders);
    }

    [ImageNetSampleFact]
    public void ImageNet_sample_labels_come_from_synsets_not_from_the_folders_present()
    {
        string[] synsets = File.ReadAllLines(Path.Combine(SharedData.ImageNetSample, "synsets.txt")).Select(l => l.Split(' ')[0]).ToArray();
        using IImageDataset data = DatasetRegistry.Open(new DatasetOptions("imagenet", Path.Combine(SharedData.ImageNetSample, "val")));
        Assert.Equal(100, data.Count);
        for (int i = 0; i < data.Count; i++)
        {
            string folder = Path.GetFileName(Path.GetDirectoryName(data.Describe(i)))!;
            Assert.Equal(Array.IndexOf(synsets, folder), data.LabelAt(i));
        }
        RgbImage image = data.Decode(0);
        var pixels = new float[3 * 224 * 224];
        ImagePreprocessor.Apply(image, PreprocessPolicy.ResizeAndCentreCrop(224), pixels);
        Assert.All(pixels, v => Assert.InRange(v, 0f, 1f));
    }
}
