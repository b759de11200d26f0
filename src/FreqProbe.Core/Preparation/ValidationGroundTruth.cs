using System.Globalization;
using FreqProbe.Core.Datasets;

namespace FreqProbe.Core.Preparation;

/// <summary>
/// The class of each ImageNet validation image, by file name (ILSVRC2012_val_00000001.JPEG …), read from the devkit's
/// ILSVRC2012_validation_ground_truth.txt (ILSVRC2012_IDs, mapped to wnids through the devkit's meta.mat) or from
/// Kaggle's LOC_val_solution.csv. Entries whose label cannot be mapped to an ImageNet-1k wnid are kept as problems.
/// </summary>
public sealed class ValidationGroundTruth
{
    ValidationGroundTruth(Dictionary<string, string> wnidByFile, List<string> problems)
    {
        WnidByFile = wnidByFile;
        Problems = problems;
    }

    /// <summary>Image file name → wnid.</summary>
    public IReadOnlyDictionary<string, string> WnidByFile { get; }

    /// <summary>Ground-truth lines that could not be used, with the reason.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>The ILSVRC2012_ID → wnid map of the leaf classes (IDs 1–1000) in a devkit meta.mat.</summary>
    public static IReadOnlyDictionary<int, string> ReadMeta(string metaPath)
    {
        if (!File.Exists(metaPath)) throw new InputException("meta", $"'{metaPath}' not found; expected the devkit's data/meta.mat.");
        if (!MatFileReader.Read(metaPath).TryGetValue("synsets", out MatValue? value) || value is not MatStruct synsets)
        {
            throw new InputException($"{metaPath}: no 'synsets' struct array; expected the ImageNet devkit's data/meta.mat.");
        }
        var map = new Dictionary<int, string>();
        for (int i = 0; i < synsets.Elements.Length; i++)
        {
            if (synsets.Field(i, "ILSVRC2012_ID") is MatNumeric { Values.Length: > 0 } id && synsets.Field(i, "WNID") is MatText wnid
                && id.Values[0] is >= 1 and <= 1000)
            {
                map[(int)id.Values[0]] = wnid.Value;
            }
        }
        if (map.Count == 0) throw new InputException($"{metaPath}: 'synsets' has no entries with ILSVRC2012_ID 1–1000 and a WNID.");
        return map;
    }

    /// <summary>Reads the devkit's ground truth: line i (1-based) is the ILSVRC2012_ID of ILSVRC2012_val_{i:08}.JPEG.</summary>
    public static ValidationGroundTruth FromDevkit(string groundTruthPath, IReadOnlyDictionary<int, string> idToWnid)
    {
        var wnids = new Dictionary<string, string>(StringComparer.Ordinal);
        var problems = new List<string>();
        string[] lines = ReadLines(groundTruthPath);
        for (int i = 0; i < lines.Length; i++)
        {
            string file = string.Create(CultureInfo.InvariantCulture, $"ILSVRC2012_val_{i + 1:D8}.JPEG");
            string text = lines[i].Trim();
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int id))
            {
                problems.Add($"{groundTruthPath} line {i + 1} ({file}): '{text}' is not an ILSVRC2012_ID");
            }
            else if (!idToWnid.TryGetValue(id, out string? wnid))
            {
                problems.Add($"{groundTruthPath} line {i + 1} ({file}): unknown label {id}; meta.mat has no leaf class with that ILSVRC2012_ID");
            }
            else
            {
                Add(wnids, problems, file, wnid, $"{groundTruthPath} line {i + 1}");
            }
        }
        return new ValidationGroundTruth(wnids, problems);
    }

    /// <summary>Reads Kaggle's LOC_val_solution.csv: ImageId,PredictionString (the first token is the wnid).</summary>
    public static ValidationGroundTruth FromKaggle(string csvPath)
    {
        var wnids = new Dictionary<string, string>(StringComparer.Ordinal);
        var problems = new List<string>();
        string[] lines = ReadLines(csvPath);
        if (lines.Length == 0 || !lines[0].StartsWith("ImageId,", StringComparison.Ordinal))
        {
            throw new InputException($"{csvPath}: expected Kaggle's LOC_val_solution.csv with the header 'ImageId,PredictionString'.");
        }
        for (int i = 1; i < lines.Length; i++)
        {
            string[] cells = lines[i].Split(',', 2);
            string wnid = cells.Length == 2 ? cells[1].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "" : "";
            if (cells[0].Trim().Length == 0 || wnid.Length == 0)
            {
                problems.Add($"{csvPath} line {i + 1}: expected 'ImageId,wnid …', got '{lines[i]}'");
                continue;
            }
            Add(wnids, problems, cells[0].Trim() + ".JPEG", wnid, $"{csvPath} line {i + 1}");
        }
        return new ValidationGroundTruth(wnids, problems);
    }

    static void Add(Dictionary<string, string> wnids, List<string> problems, string file, string wnid, string where)
    {
        if (ClassList.ImageNet1k.IndexOf(wnid) < 0) problems.Add($"{where} ({file}): unknown label '{wnid}'; not an ImageNet-1k wnid");
        else if (!wnids.TryAdd(file, wnid)) problems.Add($"{where}: {file} is listed twice");
    }

    static string[] ReadLines(string path)
    {
        if (!File.Exists(path)) throw new InputException("ground-truth", $"'{path}' not found.");
        string[] lines = File.ReadAllLines(path);
        int count = lines.Length;
        while (count > 0 && string.IsNullOrWhiteSpace(lines[count - 1])) count--;
        return lines[..count];
    }
}
