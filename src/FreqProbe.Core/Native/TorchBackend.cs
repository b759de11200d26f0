using System.Reflection;
using FreqProbe.Build;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Native;

/// <summary>Loads and describes the native TorchSharp/libtorch backend, and picks the compute device.</summary>
public static class TorchBackend
{
    /// <summary>TorchSharp's assembly version, e.g. 0.107.0.</summary>
    public static string TorchSharpVersion =>
        typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "unknown";

    /// <summary>The libtorch version TorchSharp reports.</summary>
    public static string LibTorchVersion => torch.__version__;

    /// <summary>FreqProbe's own version.</summary>
    public static string FreqProbeVersion =>
        typeof(TorchBackend).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "0.0.0";

    /// <summary>The libLibTorchSharp.so beside the application, where there is one.</summary>
    public static string? NativeGlueLibrary
    {
        get
        {
            string[] candidates =
            {
                Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so"),
                Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"),
            };
            return candidates.FirstOrDefault(File.Exists);
        }
    }

    /// <summary>The state of the GLIBCXX_3.4.32 need in the application's copy of libLibTorchSharp.so.</summary>
    public static VersionNeedState GlibcxxFixState =>
        NativeGlueLibrary is { } path ? GlibcxxVersionNeed.Inspect(path) : VersionNeedState.NotElf;

    /// <summary>Loads the CPU backend; returns null on success or the reason it failed.</summary>
    public static string? TryLoad()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return e.Message;
        }
    }

    /// <summary>
    /// Names of the NVIDIA GPUs on this machine, from <c>nvidia-smi</c> or <c>/proc/driver/nvidia</c> (TorchSharp has no
    /// device-name API). Empty when there are none or neither source answers.
    /// </summary>
    public static IReadOnlyList<string> GpuNames()
    {
        try
        {
            var start = new System.Diagnostics.ProcessStartInfo("nvidia-smi", "--query-gpu=name --format=csv,noheader")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var process = System.Diagnostics.Process.Start(start);
            if (process is not null)
            {
                string output = process.StandardOutput.ReadToEnd();
                if (process.WaitForExit(10_000) && process.ExitCode == 0)
                {
                    return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                }
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No nvidia-smi on PATH: fall back to the driver's proc files.
        }
        const string gpus = "/proc/driver/nvidia/gpus";
        if (!Directory.Exists(gpus)) return Array.Empty<string>();
        return Directory.GetDirectories(gpus)
            .Select(d => Path.Combine(d, "information"))
            .Where(File.Exists)
            .Select(f => File.ReadLines(f).FirstOrDefault(l => l.StartsWith("Model:", StringComparison.Ordinal))?["Model:".Length..].Trim())
            .OfType<string>()
            .ToArray();
    }

    /// <summary>A description of <paramref name="device"/> for result files, with the GPU name where known.</summary>
    public static string Describe(Device device)
    {
        if (device.type != DeviceType.CUDA) return device.ToString();
        IReadOnlyList<string> names = GpuNames();
        int index = Math.Max(0, (int)device.index);
        return index < names.Count ? $"{device} ({names[index]})" : device.ToString();
    }

    /// <summary>Versions for result files.</summary>
    public static IReadOnlyDictionary<string, string> Versions() => new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["freqprobe"] = FreqProbeVersion,
        ["torchsharp"] = TorchSharpVersion,
        ["libtorch"] = LibTorchVersion,
        ["dotnet"] = Environment.Version.ToString(),
        ["image_decoder"] = Datasets.ImageDecoders.Description,
    };

    // fp32 means fp32 on a GPU too: libtorch lets cuDNN convolve fp32 in TF32 (10-bit mantissas) unless told not to,
    // which moves logits by ~1e-3 and fails verification against the float64 reference. --precision bf16/fp16 is the
    // way to ask for reduced precision.
    static Device Cuda()
    {
        backends.cudnn.allow_tf32 = false;
        backends.cuda.matmul.allow_tf32 = false;
        return CUDA;
    }

    /// <summary>The accepted device requests, the default first: auto (CUDA when available), cpu, cuda.</summary>
    public static IReadOnlyList<string> DeviceChoices { get; } = new[] { "auto", "cpu", "cuda" };

    /// <summary>Resolves auto, cpu or cuda to a device. Asking for cuda where there is none is an <see cref="InputException"/>.</summary>
    public static Device SelectDevice(string request)
    {
        switch (request)
        {
            case "cpu":
                return CPU;
            case "cuda":
                if (!cuda.is_available()) throw new InputException("device", "cuda was requested but no CUDA device is available (this build or machine has no CUDA; see `freqprobe doctor`).");
                return Cuda();
            case "auto":
                return cuda.is_available() ? Cuda() : CPU;
            default:
                throw new InputException("device", $"'{request}' is not a device; expected {string.Join(", ", DeviceChoices.SkipLast(1))} or {DeviceChoices[^1]}.");
        }
    }
}
