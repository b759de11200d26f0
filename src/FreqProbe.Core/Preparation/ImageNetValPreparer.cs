using System.Formats.Tar;
using System.Runtime.InteropServices;

namespace FreqProbe.Core.Preparation;

/// <summary>
/// Arranges the flat ImageNet validation set (a folder of ILSVRC2012_val_*.JPEG, or ILSVRC2012_img_val.tar) into
/// <c>OUT/val/&lt;wnid&gt;/</c> from a <see cref="ValidationGroundTruth"/>, ready for <c>--dataset imagenet</c>.
/// Per-class counts are checked against the ground truth; images it cannot place and ground-truth entries without
/// an image are reported, never silently dropped. Re-running skips images already in place.
/// </summary>
public static partial class ImageNetValPreparer
{
    /// <summary>Places the images of the folder <paramref name="images"/>.</summary>
    public static PrepareSummary FromFolder(string images, ValidationGroundTruth truth, string outputRoot, PlacementMode mode, IProgress<int>? progress = null)
    {
        if (!Directory.Exists(images)) throw new InputException("images", $"'{images}' is not a directory; expected the extracted validation images.");
        var run = new Run(truth, outputRoot);
        int fallbacks = 0;
        foreach (string source in Directory.EnumerateFiles(images).Order(StringComparer.Ordinal))
        {
            if (run.TargetFor(Path.GetFileName(source)) is not { } target) continue;
            if (!File.Exists(target)) fallbacks += Place(source, target, mode) ? 0 : 1;
            run.Placed(Path.GetFileName(source));
            progress?.Report(run.PlacedCount);
        }
        return run.Summary(fallbacks);
    }

    /// <summary>Places the images inside the flat tar <paramref name="tarPath"/> (copies; the tar is read once).</summary>
    public static PrepareSummary FromTar(string tarPath, ValidationGroundTruth truth, string outputRoot, IProgress<int>? progress = null)
    {
        if (!File.Exists(tarPath)) throw new InputException("tar", $"'{tarPath}' not found; expected ILSVRC2012_img_val.tar.");
        var run = new Run(truth, outputRoot);
        try
        {
            using FileStream stream = File.OpenRead(tarPath);
            using var reader = new TarReader(stream);
            while (reader.GetNextEntry() is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
                string name = Path.GetFileName(entry.Name);
                if (run.TargetFor(name) is not { } target) continue;
                if (!File.Exists(target))
                {
                    string temp = target + ".tmp";
                    entry.ExtractToFile(temp, overwrite: true);
                    File.Move(temp, target, overwrite: true);
                }
                run.Placed(name);
                progress?.Report(run.PlacedCount);
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException)
        {
            throw new InputException($"{tarPath}: not a readable tar archive ({e.Message}); images placed so far are kept in {run.Folder}.", e);
        }
        return run.Summary(0);
    }

    // Returns false when a hard link was asked for but a symbolic link had to be made instead.
    static bool Place(string source, string target, PlacementMode mode)
    {
        string full = Path.GetFullPath(source);
        switch (mode)
        {
            case PlacementMode.Copy:
                File.Copy(full, target);
                return true;
            case PlacementMode.SymbolicLink:
                File.CreateSymbolicLink(target, full);
                return true;
            default:
                if (!OperatingSystem.IsWindows() && Link(full, target) == 0) return true;
                File.CreateSymbolicLink(target, full); // other file system, or no hard links here
                return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string existing, string created);

    /// <summary>Bookkeeping for one preparation.</summary>
    sealed class Run
    {
        readonly ValidationGroundTruth truth;
        readonly HashSet<string> placed = new(StringComparer.Ordinal);
        readonly List<string> unplaced = new();
        readonly Dictionary<string, int> perClass = new(StringComparer.Ordinal);

        public Run(ValidationGroundTruth truth, string outputRoot)
        {
            this.truth = truth;
            Folder = Path.Combine(outputRoot, "val");
            Directory.CreateDirectory(Folder);
        }

        public string Folder { get; }

        public int PlacedCount => placed.Count;

        // The destination for an image, or null (and a report line) when it has no usable class.
        public string? TargetFor(string file)
        {
            if (!file.EndsWith(".JPEG", StringComparison.OrdinalIgnoreCase) && !file.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase)) return null;
            if (!truth.WnidByFile.TryGetValue(file, out string? wnid))
            {
                unplaced.Add($"{file}: no usable ground-truth entry");
                return null;
            }
            string folder = Path.Combine(Folder, wnid);
            Directory.CreateDirectory(folder);
            return Path.Combine(folder, file);
        }

        public void Placed(string file)
        {
            placed.Add(file);
            string wnid = truth.WnidByFile[file];
            perClass[wnid] = perClass.GetValueOrDefault(wnid) + 1;
        }

        public PrepareSummary Summary(int fallbacks)
        {
            Dictionary<string, int> expected = truth.WnidByFile.Values.GroupBy(w => w).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            string[] missing = truth.WnidByFile.Keys.Where(f => !placed.Contains(f)).Order(StringComparer.Ordinal)
                .Select(f => $"{f}: in the ground truth ({truth.WnidByFile[f]}) but not among the images").ToArray();
            string[] mismatches = expected.Where(kv => perClass.GetValueOrDefault(kv.Key) != kv.Value).OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => $"{kv.Key}: {perClass.GetValueOrDefault(kv.Key)} images placed, {kv.Value} expected").ToArray();
            return new PrepareSummary(Folder, placed.Count, perClass, expected, missing, unplaced, truth.Problems, mismatches, fallbacks);
        }
    }
}
