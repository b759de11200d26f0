using System.Formats.Tar;
using FreqProbe.Core.Preparation;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Core.Tests.Preparation;

public sealed class ImageNetValPreparerTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    static string Val(int i) => $"ILSVRC2012_val_{i:D8}.JPEG";

    [Theory]
    [InlineData("meta_small.mat")]
    [InlineData("meta_small_compressed.mat")]
    public void Reads_the_devkit_meta_mat_leaf_ids(string file)
    {
        IReadOnlyDictionary<int, string> map = ValidationGroundTruth.ReadMeta(SharedData.Fixture(file));
        // scripts/make_meta_fixture.py: IDs 1..4 in an unsorted order, plus the non-leaf 1001, which is left out.
        Assert.Equal(new Dictionary<int, string> { [1] = "n01530575", [2] = "n01440764", [3] = "n02119789", [4] = "n01601694" }, map);
        var synsets = (MatStruct)MatFileReader.Read(SharedData.Fixture(file))["synsets"];
        Assert.Equal("entity", ((MatText)synsets.Field(4, "words")!).Value);
        Assert.Equal(3.0, ((MatNumeric)synsets.Field(4, "num_children")!).Values[0]);
    }

    [Fact]
    public void Not_a_mat_file_is_an_input_error()
    {
        File.WriteAllText(dir.File("meta.mat"), "hello");
        Assert.Contains("MAT-file", Assert.Throws<InputException>(() => ValidationGroundTruth.ReadMeta(dir.File("meta.mat"))).Message, StringComparison.Ordinal);
    }

    // Six images; the ground truth lists seven: image 5 has an unknown label, image 7 is missing, and
    // ILSVRC2012_val_00000009.JPEG has no ground-truth entry at all.
    string MakeImages()
    {
        string images = dir.File("flat");
        Directory.CreateDirectory(images);
        foreach (int i in new[] { 1, 2, 3, 4, 5, 6, 9 }) File.WriteAllBytes(Path.Combine(images, Val(i)), new byte[] { (byte)i, 0xFF, 0xD8 });
        return images;
    }

    static void AssertOutcome(PrepareSummary s, string outRoot)
    {
        Assert.Equal(5, s.Placed);
        Assert.False(s.Complete);
        Assert.Equal(2, s.PlacedPerClass["n01440764"]);
        Assert.Contains(s.MissingImages, m => m.StartsWith(Val(7), StringComparison.Ordinal));
        Assert.Contains(s.Unplaced, u => u.StartsWith(Val(9), StringComparison.Ordinal));
        Assert.Contains(s.Unplaced, u => u.StartsWith(Val(5), StringComparison.Ordinal));
        Assert.Contains(s.GroundTruthProblems, p => p.Contains("unknown label", StringComparison.Ordinal) && p.Contains(Val(5), StringComparison.Ordinal));
        Assert.Contains(s.CountMismatches, c => c.StartsWith("n01601694: 0 images placed, 1 expected", StringComparison.Ordinal));
        Assert.Equal(new byte[] { 1, 0xFF, 0xD8 }, File.ReadAllBytes(Path.Combine(outRoot, "val", "n01440764", Val(1))));
    }

    [Fact]
    public void Devkit_ground_truth_places_images_by_meta_order()
    {
        string images = MakeImages();
        // IDs: 2 = n01440764 (tench), 1 = n01530575, 3 = n02119789, 4 = n01601694; 77 is unknown.
        File.WriteAllLines(dir.File("gt.txt"), new[] { "2", "2", "1", "3", "77", "1", "4" });
        var truth = ValidationGroundTruth.FromDevkit(dir.File("gt.txt"), ValidationGroundTruth.ReadMeta(SharedData.Fixture("meta_small.mat")));
        string outRoot = dir.File("out");
        PrepareSummary summary = ImageNetValPreparer.FromFolder(images, truth, outRoot, PlacementMode.HardLink);
        AssertOutcome(summary, outRoot);
        Assert.Equal(2, summary.PlacedPerClass["n01530575"]);
        // Hard links: the prepared file is the original file, not a copy.
        File.AppendAllText(Path.Combine(images, Val(1)), "x");
        Assert.Equal(4, new FileInfo(Path.Combine(outRoot, "val", "n01440764", Val(1))).Length);
        // Re-running is idempotent.
        Assert.Equal(5, ImageNetValPreparer.FromFolder(images, truth, outRoot, PlacementMode.HardLink).Placed);
    }

    [Fact]
    public void Kaggle_ground_truth_and_a_tar_source_give_the_same_arrangement()
    {
        string images = MakeImages();
        File.WriteAllLines(dir.File("LOC_val_solution.csv"), new[]
        {
            "ImageId,PredictionString",
            "ILSVRC2012_val_00000001,n01440764 10 20 30 40",
            "ILSVRC2012_val_00000002,n01440764 1 2 3 4 n01440764 5 6 7 8",
            "ILSVRC2012_val_00000003,n01530575 1 1 2 2",
            "ILSVRC2012_val_00000004,n02119789 1 1 2 2",
            "ILSVRC2012_val_00000005,n99999999 1 1 2 2",
            "ILSVRC2012_val_00000006,n01530575 1 1 2 2",
            "ILSVRC2012_val_00000007,n01601694 1 1 2 2",
        });
        var truth = ValidationGroundTruth.FromKaggle(dir.File("LOC_val_solution.csv"));
        string tarPath = dir.File("ILSVRC2012_img_val.tar");
        TarFile.CreateFromDirectory(images, tarPath, includeBaseDirectory: false);
        string outRoot = dir.File("out-tar");
        AssertOutcome(ImageNetValPreparer.FromTar(tarPath, truth, outRoot), outRoot);
        string copyRoot = dir.File("out-copy");
        AssertOutcome(ImageNetValPreparer.FromFolder(images, truth, copyRoot, PlacementMode.Copy), copyRoot);
    }

    [Fact]
    public void A_complete_set_reports_complete()
    {
        string images = dir.File("flat");
        Directory.CreateDirectory(images);
        File.WriteAllBytes(Path.Combine(images, Val(1)), new byte[] { 1 });
        File.WriteAllLines(dir.File("gt.csv"), new[] { "ImageId,PredictionString", "ILSVRC2012_val_00000001,n01440764 1 2 3 4" });
        PrepareSummary summary = ImageNetValPreparer.FromFolder(images, ValidationGroundTruth.FromKaggle(dir.File("gt.csv")), dir.File("out"), PlacementMode.SymbolicLink);
        Assert.True(summary.Complete);
        Assert.NotNull(new FileInfo(Path.Combine(dir.File("out"), "val", "n01440764", Val(1))).LinkTarget);
    }
}
