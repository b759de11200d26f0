using FreqProbe.Core.Evaluation;
using TorchSharp;

namespace FreqProbe.Core.Tests.Evaluation;

public sealed class ForwardBatchingTests
{
    [Theory]
    [InlineData(16, 32, "cpu", 4)] // 64 CIFAR images per CPU pass
    [InlineData(64, 32, "cpu", 1)]
    [InlineData(7, 32, "cpu", 9)]
    [InlineData(100, 32, "cpu", 1)] // never fewer than one setting
    [InlineData(16, 224, "cpu", 1)]
    [InlineData(64, 32, "cuda", 4)] // 256 CIFAR images per GPU pass
    [InlineData(16, 224, "cuda", 1)]
    public void Small_images_pack_settings_up_to_the_device_budget(int batch, int size, string device, int expected) =>
        Assert.Equal(expected, ForwardBatching.SettingsPerForward(batch, size, new torch.Device(device)));
}
