using System.Runtime.InteropServices;
using FreqProbe.Core.Datasets;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Native;

/// <summary>
/// Moves a batch made on the host to the compute device. On a GPU the batch is staged in page-locked (pinned) memory
/// and copied without blocking, so the copy overlaps the kernels still queued for the previous batch; libtorch's
/// pinned-memory allocator keeps the staging buffer until the copy has finished, so it may be disposed at once. On the
/// CPU the tensor is used as it is.
/// </summary>
internal static class HostToDevice
{
    /// <summary>The <see cref="ImageBatch.Count"/> images of <paramref name="batch"/> as a [Count, 3, Size, Size] tensor on <paramref name="device"/>.</summary>
    public static Tensor Images(ImageBatch batch, Device device)
    {
        long stride = 3L * batch.Size * batch.Size;
        return Copy(tensor(batch.Pixels, new long[] { batch.Pixels.Length / stride, 3, batch.Size, batch.Size }).narrow(0, 0, batch.Count), device);
    }

    /// <summary><paramref name="host"/> on <paramref name="device"/>; <paramref name="host"/> itself when that is the CPU.</summary>
    public static Tensor Copy(Tensor host, Device device)
    {
        if (device.type == DeviceType.CPU) return host;
        Tensor pinned;
        try
        {
            pinned = host.pin_memory();
        }
        catch (ExternalException)
        {
            return host.to(device); // no pinned-memory allocator for this device: a plain blocking copy
        }
        using (pinned)
        {
            return pinned.to(device, non_blocking: true);
        }
    }
}
