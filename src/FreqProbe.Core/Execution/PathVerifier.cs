using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FreqProbe.Core.Execution;

/// <summary>
/// Gets a verdict for every check: from the <see cref="VerdictStore"/> where it has one, otherwise by running the
/// checks in a child process of the freqprobe executable (<see cref="VerificationWorker"/>), so that a backend that
/// crashes takes down the child, never the run. A crash is the verdict of the check it interrupted; the child is
/// started again for the checks after it.
/// </summary>
public static class PathVerifier
{
    /// <summary>Where to find the freqprobe executable when it is not beside this assembly (a path to the apphost or to freqprobe.dll).</summary>
    public const string ExecutableVariable = "FREQPROBE_EXECUTABLE";

    /// <summary>How the verifier's informational notices begin (a front end may show them as information, not warnings).</summary>
    public const string InformationPrefix = "execution paths: ";

    /// <summary>
    /// The verdicts of <paramref name="checks"/> on <paramref name="device"/> for the store's identity, checking what
    /// <paramref name="store"/> lacks and saving the new verdicts; <paramref name="notice"/> hears what is checked and why.
    /// </summary>
    public static IReadOnlyDictionary<string, Verdict> Verify(IReadOnlyList<VerificationCheck> checks, VerdictStore store, string device,
        Action<string>? notice)
    {
        var missing = checks.Where(c => !store.Verdicts.ContainsKey(c.Key)).DistinctBy(c => c.Key).ToList();
        if (missing.Count > 0)
        {
            if (store.Distrusted is { } why) notice?.Invoke($"verdict cache '{store.Path}' is not trusted ({why}); checking again");
            notice?.Invoke(string.Create(CultureInfo.InvariantCulture,
                $"{InformationPrefix}verifying {missing.Count} convolution or model check(s) on this machine in a child process (once per machine, libtorch and configuration; kept in {store.Path})"));
            var watch = Stopwatch.StartNew();
            RunChildren(missing, store, device);
            store.Save();
            notice?.Invoke(string.Create(CultureInfo.InvariantCulture, $"{InformationPrefix}verified in {watch.Elapsed.TotalSeconds:0.0} s"));
        }
        return checks.DistinctBy(c => c.Key).ToDictionary(c => c.Key, c => store.Verdicts[c.Key], StringComparer.Ordinal);
    }

    static void RunChildren(List<VerificationCheck> pending, VerdictStore store, string device)
    {
        string folder = Path.GetDirectoryName(store.Path)!;
        Directory.CreateDirectory(folder);
        RemoveOrphanedRequests(folder);
        int launches = 0;
        while (pending.Count > 0)
        {
            if (++launches > pending.Count + 8) throw new InvalidOperationException("the verification worker keeps failing without reporting a check");
            string requestPath = Path.Combine(folder, $"request.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
            File.WriteAllText(requestPath, JsonSerializer.Serialize(new VerificationWorker.Request(store.Identity.Threads, device, pending), VerificationWorker.Json));
            try
            {
                (int exit, int? started, Dictionary<int, Verdict> done, string stderr) = Launch(requestPath);
                if (exit is 128 + 1 or 128 + 2 or 128 + 15)
                {
                    // Ctrl-C in a terminal reaches the child too, as do Slurm's and systemd's signals: a stop, not a crash
                    // of the check, and no verdict to keep.
                    throw new OperationCanceledException($"the verification worker was stopped ({ExitDescription(exit)}); no verdict was recorded");
                }
                foreach ((int index, Verdict verdict) in done) store.Add(pending[index].Key, verdict);
                if (started is { } crashed && !done.ContainsKey(crashed))
                {
                    store.Add(pending[crashed].Key, new Verdict(false, double.NaN, KernelCheck.Tolerance(pending[crashed]), "crashed: " + ExitDescription(exit)));
                }
                else if (exit != 0 || done.Count < pending.Count)
                {
                    throw new InvalidOperationException($"the verification worker ended ({ExitDescription(exit)}) before it reported every check: {Tail(stderr)}");
                }
                pending = pending.Where(c => !store.Verdicts.ContainsKey(c.Key)).ToList();
            }
            finally
            {
                File.Delete(requestPath);
            }
        }
    }

    static (int Exit, int? Started, Dictionary<int, Verdict> Done, string Stderr) Launch(string requestPath)
    {
        ProcessStartInfo start = WorkerStart();
        start.ArgumentList.Add(VerificationWorker.Command);
        start.ArgumentList.Add(requestPath);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        // A check that crashes is an answer, not a failure to investigate: no core dump or crash report for it, even
        // where the runtime is told to write them (DOTNET_DbgEnableMiniDump, as scripts/test does for the test host).
        foreach (string name in new[] { "DOTNET_DbgEnableMiniDump", "DOTNET_EnableCrashReport", "COMPlus_DbgEnableMiniDump", "COMPlus_EnableCrashReport" })
        {
            start.Environment.Remove(name);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start '{start.FileName}'");
        var stderr = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stderr)
            {
                if (stderr.Length < 64_000) stderr.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        int? started = null;
        var done = new Dictionary<int, Verdict>();
        // The run's forward watchdog limits each check and ends the run on a signal, killing the child first.
        using (ForwardWatchdog.ChildScope watched = ForwardWatchdog.EnterChild(process))
        {
            string? line;
            while ((line = process.StandardOutput.ReadLine()) is not null)
            {
                switch (ParseLine(line))
                {
                    case int check:
                        started = check;
                        watched.NextCheck();
                        break;
                    case VerificationWorker.Report report:
                        done[report.Done] = new Verdict(report.Ok, report.MaxError ?? double.NaN, report.Tolerance, report.Detail);
                        break;
                }
            }
            process.WaitForExit();
        }
        lock (stderr) return (process.ExitCode, started, done, stderr.ToString());
    }

    // The request files of runs that ended without deleting theirs (killed, or ended by the forward watchdog).
    static void RemoveOrphanedRequests(string folder)
    {
        foreach (string file in Directory.EnumerateFiles(folder, "request.*.tmp"))
        {
            string[] parts = Path.GetFileName(file).Split('.');
            if (parts.Length != 4 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || Alive(pid)) continue;
            try
            {
                File.Delete(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // another user's, or already gone
            }
        }
    }

    static bool Alive(int pid)
    {
        try
        {
            using Process process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    // A worker's line: the index of the check it starts, its report, or null for anything else (libtorch's own output).
    static object? ParseLine(string line)
    {
        if (!line.StartsWith('{')) return null;
        JsonObject? node;
        try
        {
            node = JsonNode.Parse(line)?.AsObject();
        }
        catch (JsonException)
        {
            return null;
        }
        if (node?["start"] is { } start) return (int)start;
        return node?["done"] is null ? null : node.Deserialize<VerificationWorker.Report>(VerificationWorker.Json);
    }

    /// <summary>How to start the freqprobe executable: $FREQPROBE_EXECUTABLE, else the apphost or freqprobe.dll beside this assembly.</summary>
    public static ProcessStartInfo WorkerStart()
    {
        string? given = Environment.GetEnvironmentVariable(ExecutableVariable);
        string baseDir = AppContext.BaseDirectory;
        string apphost = Path.Combine(baseDir, OperatingSystem.IsWindows() ? "freqprobe.exe" : "freqprobe");
        string dll = Path.Combine(baseDir, "freqprobe.dll");
        string target = !string.IsNullOrEmpty(given) ? given : File.Exists(apphost) ? apphost : File.Exists(dll) ? dll
            : throw new InvalidOperationException($"the freqprobe executable that runs the verification checks is not beside '{baseDir}'; set {ExecutableVariable}");
        if (!target.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)) return new ProcessStartInfo(target);
        string? host = Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h : "dotnet";
        var info = new ProcessStartInfo(host);
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(target);
        return info;
    }

    static string ExitDescription(int exit) => exit switch
    {
        0 => "exit 0",
        > 128 and < 160 => string.Create(CultureInfo.InvariantCulture, $"killed by {SignalName(exit - 128)} (exit {exit})"),
        _ => string.Create(CultureInfo.InvariantCulture, $"exit {exit}"),
    };

    static string SignalName(int signal) => signal switch
    {
        4 => "SIGILL",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        _ => string.Create(CultureInfo.InvariantCulture, $"signal {signal}"),
    };

    static string Tail(string text)
    {
        string trimmed = text.Trim();
        string[] lines = trimmed.Split('\n').Where(l => !l.Contains("NNPACK", StringComparison.Ordinal)).ToArray();
        return lines.Length == 0 ? "(nothing on stderr)" : string.Join(" | ", lines.TakeLast(3));
    }
}
