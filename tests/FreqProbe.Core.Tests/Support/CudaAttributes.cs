using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Support;

/// <summary>A fact that needs a CUDA device; skipped with a message on machines without one (such as CI).</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        if (!cuda.is_available()) Skip = "no CUDA device visible to libtorch";
    }
}

/// <summary>A theory that needs a CUDA device; skipped with a message on machines without one (such as CI).</summary>
public sealed class CudaTheoryAttribute : TheoryAttribute
{
    public CudaTheoryAttribute()
    {
        if (!cuda.is_available()) Skip = "no CUDA device visible to libtorch";
    }
}
