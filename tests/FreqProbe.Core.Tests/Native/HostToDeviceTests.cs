using FreqProbe.Core.Native;
using FreqProbe.Core.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Native;

public sealed class HostToDeviceTests
{
    [Fact]
    public void On_the_CPU_the_batch_is_used_as_it_is_without_a_copy()
    {
        using Tensor batch = arange(24, ScalarType.Float32).view(2, 3, 2, 2);
        Assert.Same(batch, HostToDevice.Copy(batch, CPU));
    }

    [CudaFact]
    public void On_a_GPU_the_pinned_asynchronous_copy_arrives_intact_after_the_staging_buffer_is_gone()
    {
        using var scope = NewDisposeScope();
        var device = new Device(DeviceType.CUDA);
        float[] values = Enumerable.Range(0, 3 * 64 * 64 * 8).Select(i => (float)Math.Sin(i)).ToArray();
        Tensor onGpu = HostToDevice.Copy(tensor(values, new long[] { 8, 3, 64, 64 }), device);
        Assert.Equal(DeviceType.CUDA, onGpu.device_type);
        GC.Collect();
        Assert.Equal(values, onGpu.cpu().data<float>().ToArray());
    }
}
