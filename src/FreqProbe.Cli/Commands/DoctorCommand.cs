using System.CommandLine;
using FreqProbe.Build;
using FreqProbe.Core;
using FreqProbe.Core.Datasets;
using FreqProbe.Core.Execution;
using FreqProbe.Core.Models;
using FreqProbe.Core.Native;
using TorchSharp;

namespace FreqProbe.Cli.Commands;

/// <summary>`freqprobe doctor`: is the native backend usable here, and how is it set up?</summary>
internal static class DoctorCommand
{
    public static Command Create(CommandContext context)
    {
        var verify = new Option<bool>("--verify")
        {
            Description = "First verify the execution paths of cifar-resnet20 (32x32, batch 64) and resnet50 (224x224, batch 16) at fp32 " +
                "on this machine with the default thread count, as their first run would (in a child process; seconds to a minute).",
        };
        var command = new Command("doctor",
            "Check the native backend: TorchSharp and libtorch versions, the GLIBCXX_3.4.32 fix-up of libLibTorchSharp.so,\n" +
            "CPU threads and CUDA, and the verdicts of the execution-path checks kept for this CPU and libtorch\n" +
            "(which convolution kernels compute correctly here). Exits 1 and says why when the backend cannot load.");
        command.Options.Add(verify);
        command.SetAction(parse => Run(context, parse.GetValue(verify)));
        return command;
    }

    static int Run(CommandContext context, bool verify)
    {
        TextWriter o = context.Table;
        o.WriteLine($"freqprobe      {TorchBackend.FreqProbeVersion}");
        o.WriteLine($"TorchSharp     {TorchBackend.TorchSharpVersion}");
        o.WriteLine($"libtorch       {TorchBackend.LibTorchVersion}");
        o.WriteLine($".NET           {Environment.Version}");
        o.WriteLine($"images         {ImageDecoders.Description}{(ImageDecoders.SystemJpeg ? "" : $" (install {ImageDecoders.SystemJpegLibrary}, Debian libturbojpeg0, for SIMD JPEG decoding, the library PIL uses: same pixels)")}");
        string? glue = TorchBackend.NativeGlueLibrary;
        bool systemHas = GlibcxxVersionNeed.SystemLibStdCxxHas();
        o.WriteLine($"native glue    {glue ?? "(libLibTorchSharp.so not found beside the app)"}");
        o.WriteLine($"system libstdc++ has {GlibcxxVersionNeed.TrapVersion}: {(systemHas ? "yes" : "no")}");
        string fix = TorchBackend.GlibcxxFixState switch
        {
            VersionNeedState.Weak => $"applied: the {GlibcxxVersionNeed.TrapVersion} need of the copied library is marked weak (VER_FLG_WEAK)",
            VersionNeedState.Required when systemHas => "not needed: this machine's libstdc++ provides the version",
            VersionNeedState.Required => $"MISSING: the library needs {GlibcxxVersionNeed.TrapVersion}, which this libstdc++ lacks; rebuild with scripts/freqprobe or dotnet build",
            VersionNeedState.Absent => "not needed: the library does not ask for the version",
            _ => "not applicable on this platform",
        };
        o.WriteLine($"GLIBCXX fix    {fix}");
        string? failure = TorchBackend.TryLoad();
        if (failure is not null)
        {
            o.WriteLine("backend        FAILED to load");
            context.Error.WriteLine($"freqprobe doctor: the native backend cannot load: {FirstLines(failure, 12)}");
            return ExitCodes.InternalFailure;
        }
        o.WriteLine("backend        loaded");
        o.WriteLine($"CPU threads    {torch.get_num_threads()} (libtorch), {Environment.ProcessorCount} (machine)");
        bool hasCuda = torch.cuda.is_available();
        IReadOnlyList<string> gpus = TorchBackend.GpuNames();
        string gpuList = gpus.Count > 0 ? string.Join(", ", gpus) : "no NVIDIA GPU found";
        o.WriteLine(hasCuda
            ? $"CUDA           available: {torch.cuda.device_count()} device(s): {gpuList}"
            : $"CUDA           not available to this build ({(gpus.Count > 0 ? $"GPU present: {gpuList}; build with -p:TorchBackend=cuda" : "CPU build or no GPU")})");
        using (torch.no_grad())
        using (var x = torch.ones(2, 3))
        {
            o.WriteLine($"self-test      sum(ones(2,3)) = {x.sum().item<float>()}");
        }
        try
        {
            string version = FreqProbe.Core.Onnx.OnnxRuntimeHost.Version;
            o.WriteLine($"onnxruntime    {version}, providers {string.Join(", ", FreqProbe.Core.Onnx.OnnxRuntimeHost.Providers)}; telemetry " +
                (FreqProbe.Core.Onnx.OnnxRuntimeHost.TelemetryOff
                    ? $"off ({FreqProbe.Core.Onnx.OnnxRuntimeHost.TelemetryVariable}=1 set in the process before ONNX Runtime started)"
                    : "ON (FREQPROBE_SIMULATE_FAULT=onnxruntime-telemetry)"));
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException)
        {
            o.WriteLine($"onnxruntime    FAILED to load: {e.Message.Split('\n')[0]}");
        }
        string cacheRoot = context.Resolver.CacheRoot;
        if (verify) Verify(context, cacheRoot);
        Verdicts(o, cacheRoot);
        return ExitCodes.Success;
    }

    static void Verify(CommandContext context, string cacheRoot)
    {
        foreach ((string name, int classes, int size, long batch) in new[] { ("cifar-resnet20", 10, 32, 64L), ("resnet50", 1000, 224, 16L) })
        {
            using var model = ModelRegistry.Get(name).Create(classes);
            model.eval();
            try
            {
                ExecutionPlan plan = ExecutionPlan.Prepare(model, FreqProbe.Core.Execution.InferencePrecision.Default, ExecutionPlan.AutoLayout, batch, size, Environment.ProcessorCount, torch.CPU, cacheRoot, null,
                    message => context.Error.WriteLine($"freqprobe doctor: {message}"));
                context.Table.WriteLine($"path           {name} at {size}x{size}, batch {batch}: {plan.Path} (verification {plan.VerificationKey})");
            }
            catch (InputException e)
            {
                context.Table.WriteLine($"path           {name} at {size}x{size}, batch {batch}: {e.Message}");
            }
        }
    }

    // The verdicts kept for this CPU and libtorch, per thread count and device: counts per kernel and every failure.
    static void Verdicts(TextWriter o, string cacheRoot)
    {
        string processor = MachineIdentity.ProcessorDescription();
        var stores = VerdictStore.All(cacheRoot).Where(s => s.Identity.Processor == processor && s.Identity.LibTorch == TorchBackend.LibTorchVersion).ToList();
        o.WriteLine($"verdicts       {VerdictStore.Folder(cacheRoot)}: {(stores.Count == 0 ? "none yet for this CPU and libtorch (every run checks its paths first; `freqprobe doctor --verify` checks two models now)" : $"{stores.Count} set(s) for this CPU and libtorch")}");
        foreach (VerdictStore store in stores)
        {
            MachineIdentity id = store.Identity;
            var counts = store.Verdicts.GroupBy(v => (Path: KindOf(v.Key), v.Value.Outcome))
                .OrderBy(g => g.Key.Path, StringComparer.Ordinal).ThenBy(g => g.Key.Outcome, StringComparer.Ordinal)
                .Select(g => $"{g.Key.Path} {g.Key.Outcome} {g.Count()}");
            string environment = id.Environment.Length == 0 ? "" : $", {id.Environment}";
            o.WriteLine($"  {id.Device}, {id.Threads} thread(s){environment} [{id.ShortKey}]: {string.Join("; ", counts)}");
            foreach ((string check, Verdict verdict) in store.Verdicts.Where(v => !v.Value.Ok).OrderBy(v => v.Key, StringComparer.Ordinal))
            {
                o.WriteLine($"    {verdict.Outcome,-8} {check}: {verdict.Explain()}");
            }
        }
    }

    static string KindOf(string check)
    {
        string[] parts = check.Split(' ');
        return parts[0] == "conv" ? $"{parts[^2]} {parts[^1]}" : $"model {parts[^2]} {parts[^1]}";
    }


    static string FirstLines(string text, int count) => string.Join('\n', text.Split('\n').Take(count));
}
