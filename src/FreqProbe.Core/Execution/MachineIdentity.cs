using FreqProbe.Core.Models;
using System.Security.Cryptography;
using System.Text;
using FreqProbe.Core.Native;

namespace FreqProbe.Core.Execution;

/// <summary>
/// What a verdict depends on besides the layer: the processor (name, family, model, stepping and feature flags), the
/// native library versions, the thread count (oneDNN blocks its loops by it), the device, the environment variables
/// that steer oneDNN, MKL and OpenMP, FreqProbe's simulated fault and the version of the checks themselves. Another
/// CPU, another libtorch or a changed check gives another key, so the checks run again.
/// </summary>
public sealed record MachineIdentity(string Processor, string LibTorch, string TorchSharp, int Threads, string Device, string Environment, int CheckVersion)
{
    /// <summary>Bump when the checks change what they compute or accept.</summary>
    public const int CurrentCheckVersion = 1;

    /// <summary>This process on <paramref name="device"/> (e.g. <c>cpu</c>, <c>cuda:0 (NVIDIA H200)</c>) with <paramref name="threads"/> threads.</summary>
    public static MachineIdentity Current(string device, int threads) =>
        new(ProcessorDescription(), TorchBackend.LibTorchVersion, TorchBackend.TorchSharpVersion, threads, device, SteeringEnvironment(), CurrentCheckVersion);

    /// <summary>The SHA-256 of every field, lower-case hex.</summary>
    public string Key
    {
        get
        {
            string text = string.Join('\n', "freqprobe-verification", Processor, LibTorch, TorchSharp,
                Threads.ToString(System.Globalization.CultureInfo.InvariantCulture), Device, Environment,
                CheckVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        }
    }

    /// <summary>The first 16 hex digits of <see cref="Key"/>, as recorded in results.</summary>
    public string ShortKey => Key[..16];

    /// <summary>The first processor's identification and feature flags from /proc/cpuinfo (the OS description elsewhere).</summary>
    public static string ProcessorDescription()
    {
        const string cpuinfo = "/proc/cpuinfo";
        if (!File.Exists(cpuinfo)) return System.Runtime.InteropServices.RuntimeInformation.OSDescription + " " + System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture;
        var wanted = new[] { "vendor_id", "model name", "cpu family", "model", "stepping", "flags", "CPU implementer", "CPU part", "Features" };
        var found = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in File.ReadLines(cpuinfo))
        {
            if (line.Length == 0 && found.Count > 0) break; // the first processor only
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0) continue;
            string name = line[..colon].Trim();
            if (wanted.Contains(name, StringComparer.Ordinal)) found.TryAdd(name, line[(colon + 1)..].Trim());
        }
        return string.Join("; ", found.Select(kv => $"{kv.Key}={kv.Value}"));
    }

    static string SteeringEnvironment()
    {
        var prefixes = new[] { "ONEDNN_", "DNNL_", "MKL_", "OMP_", "KMP_", "CUBLAS_", "CUDNN_", "TORCH_" };
        var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            string name = (string)entry.Key;
            if ((prefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)) && !name.Contains("VERBOSE", StringComparison.Ordinal))
                || name == ConvolutionKernels.FaultVariable)
            {
                values[name] = (string?)entry.Value ?? "";
            }
        }
        return string.Join(' ', values.Select(kv => $"{kv.Key}={kv.Value}"));
    }
}
