using System.CommandLine;
using FreqProbe.Core;
using FreqProbe.Core.Preparation;

namespace FreqProbe.Cli.Commands;

/// <summary>`freqprobe prepare imagenet-val`: arrange the flat ImageNet validation set into class folders.</summary>
internal static class PrepareCommand
{
    public static Command Create(CommandContext context)
    {
        var prepare = new Command("prepare", "Prepare datasets that cannot be downloaded automatically.");
        prepare.Subcommands.Add(ImageNetVal(context));
        return prepare;
    }

    static Command ImageNetVal(CommandContext context)
    {
        var images = new Option<string?>("--images") { Description = "Folder of the 50,000 extracted ILSVRC2012_val_*.JPEG files." };
        var tar = new Option<string?>("--tar") { Description = "ILSVRC2012_img_val.tar itself (read once; images are copied out)." };
        var truth = new Option<string>("--ground-truth")
        {
            Description = "ILSVRC2012_validation_ground_truth.txt from the devkit (needs --meta or --devkit), or Kaggle's LOC_val_solution.csv.",
            Required = true,
        };
        var meta = new Option<string?>("--meta") { Description = "The devkit's data/meta.mat, which maps ILSVRC2012_IDs to wnids." };
        var devkit = new Option<string?>("--devkit") { Description = "The extracted devkit folder (ILSVRC2012_devkit_t12); its data/meta.mat is used." };
        var output = new Option<string?>("--out")
        {
            Description = "Output root; images go to OUT/val/<wnid>/ (default: $FREQPROBE_HOME/datasets/imagenet, where `--dataset imagenet` looks without --data).",
        };
        var mode = new Option<string>("--mode") { Description = "hardlink (default; falls back to symlink across file systems), symlink or copy.", DefaultValueFactory = _ => "hardlink" };
        var copy = new Option<bool>("--copy") { Description = "Same as --mode copy." };
        mode.AcceptOnlyFromAmong("hardlink", "symlink", "copy");
        var command = new Command("imagenet-val",
            "Arrange the official flat ImageNet validation set into OUT/val/<wnid>/ for `--dataset imagenet`, from the devkit's\n" +
            "ground truth (with meta.mat order) or Kaggle's LOC_val_solution.csv. Per-class counts are checked against the\n" +
            "ground truth; images without a usable label and labels without an image are listed, never silently dropped.\n" +
            "Exit code 0 when everything was placed, 2 when anything could not be (what could be placed stays placed).\n\n" +
            "Examples:\n  freqprobe prepare imagenet-val --images ILSVRC2012_img_val --ground-truth LOC_val_solution.csv\n" +
            "      (into $FREQPROBE_HOME/datasets/imagenet; `freqprobe lowpass --model resnet50` then finds it)\n" +
            "  freqprobe prepare imagenet-val --tar ILSVRC2012_img_val.tar --ground-truth LOC_val_solution.csv --out ~/data/imagenet\n" +
            "  freqprobe lowpass --model resnet50 --data ~/data/imagenet/val");
        foreach (Option option in new Option[] { images, tar, truth, meta, devkit, output, mode, copy }) command.Options.Add(option);
        command.SetAction(parsed =>
        {
            string? imagesPath = parsed.GetValue(images), tarPath = parsed.GetValue(tar), truthPath = parsed.GetValue(truth)!;
            if ((imagesPath is null) == (tarPath is null))
            {
                context.Error.WriteLine("freqprobe: error: give exactly one of --images DIR and --tar FILE.");
                return ExitCodes.InputError;
            }
            string outRoot = parsed.GetValue(output) ?? context.Resolver.Cache.ImageNetRoot;
            if (File.Exists(outRoot))
            {
                context.Error.WriteLine($"freqprobe: error: --out: '{outRoot}' is a file; expected a folder to place the class folders in (created if missing).");
                return ExitCodes.InputError;
            }
            ValidationGroundTruth groundTruth;
            if (truthPath.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            {
                groundTruth = ValidationGroundTruth.FromKaggle(truthPath);
            }
            else
            {
                string? metaPath = parsed.GetValue(meta) ?? (parsed.GetValue(devkit) is { } kit ? Path.Combine(kit, "data", "meta.mat") : null);
                if (metaPath is null)
                {
                    context.Error.WriteLine("freqprobe: error: --ground-truth: the devkit's .txt ground truth holds ILSVRC2012_IDs in meta.mat order; give --meta data/meta.mat or --devkit DIR.");
                    return ExitCodes.InputError;
                }
                groundTruth = ValidationGroundTruth.FromDevkit(truthPath, ValidationGroundTruth.ReadMeta(metaPath));
            }
            PlacementMode placement = parsed.GetValue(copy) ? PlacementMode.Copy : parsed.GetValue(mode) switch
            {
                "symlink" => PlacementMode.SymbolicLink,
                "copy" => PlacementMode.Copy,
                _ => PlacementMode.HardLink,
            };
            PrepareSummary summary = tarPath is not null
                ? ImageNetValPreparer.FromTar(tarPath, groundTruth, outRoot)
                : ImageNetValPreparer.FromFolder(imagesPath!, groundTruth, outRoot, placement);
            Report(context, summary);
            return summary.Complete ? ExitCodes.Success : ExitCodes.InputError;
        });
        return command;
    }

    static void Report(CommandContext context, PrepareSummary s)
    {
        TextWriter o = context.Table;
        int[] counts = s.PlacedPerClass.Values.DefaultIfEmpty(0).ToArray();
        o.WriteLine($"placed {s.Placed} images in {s.PlacedPerClass.Count} class folders under {s.OutputFolder} (per class: min {counts.Min()}, max {counts.Max()})");
        if (s.LinkFallbacks > 0) o.WriteLine($"{s.LinkFallbacks} images are symbolic links because hard links were not possible (another file system?)");
        void List(string title, IReadOnlyList<string> items)
        {
            if (items.Count == 0) return;
            context.Error.WriteLine($"freqprobe: {items.Count} {title}:");
            foreach (string item in items.Take(50)) context.Error.WriteLine($"  {item}");
            if (items.Count > 50) context.Error.WriteLine($"  … and {items.Count - 50} more");
        }
        List("ground-truth entries could not be used", s.GroundTruthProblems);
        List("images could not be placed", s.Unplaced);
        List("ground-truth images are missing", s.MissingImages);
        List("classes have a different count than the ground truth", s.CountMismatches);
        o.WriteLine(s.Complete ? "every image placed; per-class counts match the ground truth" : "INCOMPLETE: see the lists above");
    }
}
