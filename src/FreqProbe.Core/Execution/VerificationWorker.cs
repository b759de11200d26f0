using System.Globalization;
using System.Text.Json;
using FreqProbe.Core.Native;
using static TorchSharp.torch;

namespace FreqProbe.Core.Execution;

/// <summary>
/// The child-process side of the verification (<c>freqprobe verify-worker REQUEST</c>): runs the checks of a
/// request file in order, announcing each before it starts and reporting it when done, one JSON line at a time on
/// standard output, so that the parent knows which check a crash interrupted.
/// </summary>
public static class VerificationWorker
{
    /// <summary>The hidden command name.</summary>
    public const string Command = "verify-worker";

    /// <summary>What the parent sends.</summary>
    /// <param name="Threads">libtorch threads (as the run will use).</param>
    /// <param name="Device">cpu or cuda.</param>
    /// <param name="Checks">The checks, in order.</param>
    public sealed record Request(int Threads, string Device, IReadOnlyList<VerificationCheck> Checks);

    /// <summary>Serialiser settings of the request file and the report lines.</summary>
    public static JsonSerializerOptions Json { get; } = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Runs the request in <paramref name="requestPath"/>, writing report lines to <paramref name="output"/>; returns the exit code.</summary>
    public static int Run(string requestPath, TextWriter output)
    {
        Request request = JsonSerializer.Deserialize<Request>(File.ReadAllText(requestPath), Json)
            ?? throw new InvalidDataException($"'{requestPath}' is not a verification request");
        set_num_threads(request.Threads);
        Device device = TorchBackend.SelectDevice(request.Device);
        for (int i = 0; i < request.Checks.Count; i++)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{{\"start\":{i}}}"));
            output.Flush();
            Verdict verdict = KernelCheck.Run(request.Checks[i], device);
            output.WriteLine(JsonSerializer.Serialize(new Report(i, verdict.Ok, double.IsFinite(verdict.MaxError) ? verdict.MaxError : null, verdict.Tolerance, verdict.Detail), Json));
            output.Flush();
        }
        return 0;
    }

    /// <summary>One report line.</summary>
    /// <param name="Done">The check's index.</param>
    /// <param name="Ok">Whether it passed.</param>
    /// <param name="MaxError">Largest error, null when there is none.</param>
    /// <param name="Tolerance">What was allowed.</param>
    /// <param name="Detail">What happened.</param>
    public sealed record Report(int Done, bool Ok, double? MaxError, double Tolerance, string Detail);
}
