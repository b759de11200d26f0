using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace FreqProbe.Core.Onnx;

/// <summary>
/// The one door to ONNX Runtime. Its Linux build collects telemetry unless <c>ORT_DISABLE_TELEMETRY=1</c> is in the
/// native process environment when it starts (measured with 1.32: a device id and queued events under
/// <c>~/.cache/Microsoft/DeveloperTools/.onnxruntime/</c>, then a name lookup of its collector). .NET's
/// <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not reach native code, so <see cref="Start"/>
/// sets it with libc <c>setenv</c> before the first call into ONNX Runtime; every use of ONNX Runtime goes through here.
/// ONNX Runtime also keeps telemetry off by itself where it sees a CI runner (<c>CI</c>, <c>GITHUB_ACTIONS</c>,
/// <c>JENKINS_URL</c> and others), so a CI job does not show what a researcher's workstation would send.
/// </summary>
public static class OnnxRuntimeHost
{
    /// <summary>The variable that keeps ONNX Runtime from collecting telemetry.</summary>
    public const string TelemetryVariable = "ORT_DISABLE_TELEMETRY";

    /// <summary>The simulated fault (FREQPROBE_SIMULATE_FAULT) that leaves telemetry on, so a test can show it would see it.</summary>
    public const string TelemetryFault = "onnxruntime-telemetry";

    static readonly Lock Gate = new();
    static OrtEnv? environment;

    /// <summary>ONNX Runtime's environment, started with telemetry off (once per process).</summary>
    public static OrtEnv Start()
    {
        lock (Gate)
        {
            if (environment is not null) return environment;
            if (Environment.GetEnvironmentVariable("FREQPROBE_SIMULATE_FAULT") != TelemetryFault && Native.LibC.SetEnv(TelemetryVariable, "1", 1) != 0)
            {
                throw new InvalidOperationException($"setenv({TelemetryVariable}) failed; ONNX Runtime is not started with its telemetry on.");
            }
            var options = new EnvironmentCreationOptions
            {
                logId = "freqprobe",
                logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            };
            environment = OrtEnv.CreateInstanceWithOptions(ref options);
            return environment;
        }
    }

    /// <summary>Whether the native environment says telemetry is off (what ONNX Runtime reads when it starts).</summary>
    public static bool TelemetryOff => Marshal.PtrToStringUTF8(Native.LibC.GetEnv(TelemetryVariable)) == "1";

    /// <summary>ONNX Runtime's version, starting it (telemetry off) if it has not started.</summary>
    public static string Version => Start().GetVersionString();

    /// <summary>Whether this build of ONNX Runtime has the CUDA execution provider (-p:OnnxRuntimeBackend=cuda).</summary>
    public static bool HasCuda => Providers.Contains("CUDAExecutionProvider");

    /// <summary>The execution providers this build of ONNX Runtime has (CPUExecutionProvider; CUDAExecutionProvider in the CUDA build).</summary>
    public static IReadOnlyList<string> Providers => Start().GetAvailableProviders();
}
