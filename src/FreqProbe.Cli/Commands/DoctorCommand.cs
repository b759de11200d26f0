using System.CommandLine;
using FreqProbe.Build;
using FreqProbe.Core.Datasets;
using FreqProbe.Core.Native;
using TorchSharp;

namespace FreqProbe.Cli.Commands;

/// <summary>`freqprobe doctor`: is the native backend usable here, and how is it set up?</summary>
internal static class DoctorCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new Command("doctor",
            "Check the native backend: TorchSharp and libtorch versions, the GLIBCXX_3.4.32 fix-up of libLibTorchSharp.so,\n" +
            "CPU threads and CUDA. Exits 1 and says why when the backend cannot load.");
        command.SetAction(_ => Run(context));
        return command;
    }

    static int Run(CommandContext context)
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
        return ExitCodes.Success;
    }

    static string FirstLines(string text, int count) => string.Join('\n', text.Split('\n').Take(count));
}
