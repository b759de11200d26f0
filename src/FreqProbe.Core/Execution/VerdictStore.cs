using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FreqProbe.Core.IO;

namespace FreqProbe.Core.Execution;

/// <summary>
/// The verdicts of one <see cref="MachineIdentity"/>, kept in <c>$FREQPROBE_HOME/verified/KEY.json</c> so the checks
/// run once per machine, libtorch and configuration. A file is trusted only when it is a regular file (no link) owned
/// by this user, writable by nobody else, names exactly this identity and matches its SHA-256 checksum; anything else
/// is reported and checked again, then replaced.
/// </summary>
public sealed partial class VerdictStore
{
    const string Format = FormatTags.Verdicts;
    readonly Dictionary<string, Verdict> verdicts = new(StringComparer.Ordinal);

    VerdictStore(string path, MachineIdentity identity)
    {
        Path = path;
        Identity = identity;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Whose verdicts these are.</summary>
    public MachineIdentity Identity { get; }

    /// <summary>Why the file on disk was not trusted when opened, or null.</summary>
    public string? Distrusted { get; private set; }

    /// <summary>Every verdict, by check key.</summary>
    public IReadOnlyDictionary<string, Verdict> Verdicts => verdicts;

    /// <summary>The folder of verdict files under <paramref name="cacheRoot"/>.</summary>
    public static string Folder(string cacheRoot) => System.IO.Path.Combine(cacheRoot, "verified");

    /// <summary>Opens the verdicts of <paramref name="identity"/> under <paramref name="cacheRoot"/>; a missing file is an empty store.</summary>
    public static VerdictStore Open(string cacheRoot, MachineIdentity identity)
    {
        var store = new VerdictStore(System.IO.Path.Combine(Folder(cacheRoot), identity.ShortKey + ".json"), identity);
        store.Distrusted = store.Load();
        return store;
    }

    /// <summary>
    /// Every trusted verdict file under <paramref name="cacheRoot"/>, whatever machine identity wrote it (a file that
    /// fails its checks is left out).
    /// </summary>
    public static IReadOnlyList<VerdictStore> All(string cacheRoot)
    {
        string folder = Folder(cacheRoot);
        if (!Directory.Exists(folder)) return Array.Empty<VerdictStore>();
        var stores = new List<VerdictStore>();
        foreach (string file in Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            try
            {
                if (new FileInfo(file).Length > 64L << 20) continue;
                JsonObject? id = JsonNode.Parse(File.ReadAllText(file))?["identity"]?.AsObject();
                if (id is null) continue;
                var identity = new MachineIdentity((string?)id["processor"] ?? "", (string?)id["libtorch"] ?? "", (string?)id["torchsharp"] ?? "",
                    (int?)id["threads"] ?? 0, (string?)id["device"] ?? "", (string?)id["environment"] ?? "", (int?)id["check_version"] ?? 0);
                VerdictStore store = Open(cacheRoot, identity);
                if (store.Distrusted is null && store.Path == file) stores.Add(store);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or IOException or UnauthorizedAccessException)
            {
                // Not a verdict file this version can read: left out.
            }
        }
        return stores;
    }

    /// <summary>Adds <paramref name="verdict"/> for <paramref name="check"/> (in memory; <see cref="Save"/> writes).</summary>
    public void Add(string check, Verdict verdict) => verdicts[check] = verdict;

    /// <summary>
    /// Writes the file atomically, first merging in what another process wrote meanwhile (when that is trustworthy),
    /// readable and writable by this user only.
    /// </summary>
    public void Save()
    {
        var disk = new VerdictStore(Path, Identity);
        if (disk.Load() is null)
        {
            foreach ((string check, Verdict verdict) in disk.verdicts) verdicts.TryAdd(check, verdict);
        }
        string folder = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(folder);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        JsonObject body = Body();
        body["checksum"] = Checksum(body);
        string tmp = Path + $".{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(tmp, body.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(tmp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(tmp, Path, overwrite: true);
    }

    JsonObject Body()
    {
        var entries = new JsonObject();
        foreach ((string check, Verdict v) in verdicts.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            entries[check] = new JsonObject
            {
                ["ok"] = v.Ok,
                ["max_error"] = double.IsFinite(v.MaxError) ? v.MaxError : null,
                ["tolerance"] = v.Tolerance,
                ["detail"] = v.Detail,
            };
        }
        return new JsonObject
        {
            ["format"] = Format,
            ["key"] = Identity.Key,
            ["identity"] = new JsonObject
            {
                ["processor"] = Identity.Processor,
                ["libtorch"] = Identity.LibTorch,
                ["torchsharp"] = Identity.TorchSharp,
                ["threads"] = Identity.Threads,
                ["device"] = Identity.Device,
                ["environment"] = Identity.Environment,
                ["check_version"] = Identity.CheckVersion,
            },
            ["verdicts"] = entries,
        };
    }

    static string Checksum(JsonObject body)
    {
        var copy = (JsonObject)body.DeepClone();
        copy.Remove("checksum");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(copy.ToJsonString())));
    }

    // Null when loaded (or absent), else why the file is not trusted.
    string? Load()
    {
        verdicts.Clear();
        var info = new FileInfo(Path);
        if (!info.Exists && info.LinkTarget is null) return null;
        if (info.LinkTarget is not null) return "it is a symbolic link";
        if (info.Length > 64L << 20) return "it is larger than 64 MiB";
        if (!OperatingSystem.IsWindows())
        {
            UnixFileMode mode = File.GetUnixFileMode(Path);
            if ((mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0) return "other users may write it";
            if (OwnerOf(Path) is { } owner && owner != GetEffectiveUserId()) return $"it belongs to user id {owner}, not this user";
        }
        try
        {
            JsonObject body = JsonNode.Parse(File.ReadAllText(Path))?.AsObject() ?? throw new JsonException("not an object");
            if ((string?)body["format"] != Format) return "it is not a verdict file of this version";
            if ((string?)body["key"] != Identity.Key) return "it was written for another machine, libtorch or check";
            if ((string?)body["checksum"] != Checksum(body)) return "its content does not match its checksum (it was edited or damaged)";
            foreach ((string check, JsonNode? node) in body["verdicts"]?.AsObject() ?? throw new JsonException("no verdicts"))
            {
                JsonObject v = node?.AsObject() ?? throw new JsonException("a verdict is not an object");
                var verdict = new Verdict((bool?)v["ok"] ?? throw new JsonException("ok missing"), (double?)v["max_error"] ?? double.NaN,
                    (double?)v["tolerance"] ?? throw new JsonException("tolerance missing"), (string?)v["detail"] ?? "");
                if (!verdict.WasStopped) verdicts[check] = verdict;
            }
            return null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or IOException)
        {
            verdicts.Clear();
            return $"it is not a readable verdict file ({e.Message.Split('\n')[0]})";
        }
    }

    /// <summary>A line for people: the file and how many verdicts it holds.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture, $"{Path} ({verdicts.Count} verdicts)");

    static uint? OwnerOf(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        int uidOffset = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 28,
            Architecture.Arm64 => 24,
            _ => -1,
        };
        if (uidOffset < 0) return null;
        byte[] buffer = new byte[512];
        int rc;
        try
        {
            rc = Stat(path, buffer);
        }
        catch (EntryPointNotFoundException)
        {
            rc = StatVersioned(RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 1 : 0, path, buffer); // glibc < 2.33
        }
        return rc == 0 ? BitConverter.ToUInt32(buffer, uidOffset) : null;
    }

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, byte[] buffer);

    [LibraryImport("libc", EntryPoint = "__xstat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatVersioned(int version, string path, byte[] buffer);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();
}
