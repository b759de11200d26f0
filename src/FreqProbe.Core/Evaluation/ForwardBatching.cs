using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Evaluation;

/// <summary>
/// How many images go through the model in one forward pass. Small images pack several filter settings (or heat-map
/// bases) of a data batch into one pass, so that a GPU has enough work per kernel launch. A CPU gains nothing from
/// that: once a pass's activations outgrow the caches it gets slower per image (cifar-resnet20, fp32 channels-last, one
/// thread: about 1,000 images/s at 64 per pass, 830 at 256, 540 at 576 in a PyTorch measurement), so it packs less.
/// </summary>
public static class ForwardBatching
{
    /// <summary>Pixels per channel in one CPU forward pass: 64 CIFAR-sized images.</summary>
    public const int CpuPixelBudget = 64 * 32 * 32;

    /// <summary>Pixels per channel in one GPU forward pass: 256 CIFAR-sized images.</summary>
    public const int GpuPixelBudget = 256 * 32 * 32;

    /// <summary>The pixel budget of one forward pass on <paramref name="device"/>.</summary>
    public static int PixelBudget(Device device) => device.type == DeviceType.CPU ? CpuPixelBudget : GpuPixelBudget;

    /// <summary>
    /// How many filter settings (or heat-map bases) of a data batch of <paramref name="batch"/> images of side
    /// <paramref name="size"/> share one forward pass on <paramref name="device"/>: at least one, more while the budget allows.
    /// </summary>
    public static int SettingsPerForward(int batch, int size, Device device) =>
        Math.Max(1, Math.Max(batch, PixelBudget(device) / (size * size)) / batch);
}
