using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FreqProbe.Core.Models;

/// <summary>
/// Folds every BatchNorm of a ResNet into the convolution that feeds it, for inference. The pairs are found by
/// torchvision's key names, which every built-in model keeps: <c>bnK</c> follows <c>convK</c> in the same module, and
/// <c>downsample.1</c> follows <c>downsample.0</c>, and a plain <c>bn</c> follows <c>fc</c> (the attention heads of ODConv and
/// FDConv). A BatchNorm after a dynamic convolution stays as it is (unfolded): the bank's kernels differ per sample.
/// </summary>
public static class BatchNormFolding
{
    /// <summary>Folds the BatchNorms of <paramref name="model"/> (in eval mode, on its device, fp32) and returns how many.</summary>
    public static int Fold(nn.Module model)
    {
        Dictionary<string, nn.Module> modules = model.named_modules().ToDictionary(entry => entry.name, entry => entry.module);
        int folded = 0;
        foreach ((string name, nn.Module module) in modules)
        {
            if (module is not TrainingSafeBatchNorm2d norm || norm.Folded) continue;
            string convName = FeedingConvolution(name);
            modules.TryGetValue(convName, out nn.Module? feeder);
            if (feeder is IDynamicConvolution) continue; // per-sample kernels: nothing fixed to fold into
            if (feeder is not PlannedConv2d conv)
            {
                throw new InvalidOperationException($"BatchNorm '{name}' has no convolution '{convName}' to fold into");
            }
            norm.FoldInto(conv);
            folded++;
        }
        return folded;
    }

    /// <summary>The key of the convolution that feeds the BatchNorm named <paramref name="norm"/> ("layer1.0.bn2" → "layer1.0.conv2").</summary>
    public static string FeedingConvolution(string norm)
    {
        int dot = norm.LastIndexOf('.');
        string parent = dot < 0 ? "" : norm[..(dot + 1)];
        string last = norm[(dot + 1)..];
        if (last == "bn") return parent + "fc"; // the attention heads of ODConv (attention) and FDConv (KSM_Global)
        if (last.StartsWith("bn", StringComparison.Ordinal)) return parent + "conv" + last[2..];
        if (parent.EndsWith("downsample.", StringComparison.Ordinal) && int.TryParse(last, out int index)) return parent + (index - 1);
        return "";
    }
}
