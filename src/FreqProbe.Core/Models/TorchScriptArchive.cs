using System.IO.Compression;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Models;

/// <summary>
/// TorchScript archives (torch.jit.save, traced or scripted): zip files that carry a network's code and weights. They
/// are told from pickled state dicts (also <c>.pt</c>) by their layout, a <c>code/</c> folder beside
/// <c>data.pkl</c>, never by the extension. Loading checks the archive first (its pickles name only tensors and the
/// archive's own classes, every tensor fits its storage, no entry inflates far beyond its stored size), then lets
/// libtorch read it on the CPU.
/// </summary>
public static class TorchScriptArchive
{
    // An entry may inflate to at most this many times its stored bytes (plus a little), so that a small archive cannot
    // declare gigabytes of code or pickle. PyTorch stores tensors uncompressed and deflates text by ~3-10x.
    const long MaxInflation = 100;
    const long InflationSlack = 1 << 20;

    // Code and pickles are read whole (here and by libtorch): each may inflate to at most this, whatever its ratio. Real
    // archives' code files and pickles are kilobytes to a few megabytes; tensors (data/N) are stored, not deflated.
    internal const long MaxTextEntry = 64L << 20;

    /// <summary>Whether <paramref name="path"/> is a zip archive laid out as torch.jit.save writes it.</summary>
    public static bool Is(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length < 22) return false; // pipes and devices report no size; a zip is at least its end record
            using ZipArchive zip = ZipFile.OpenRead(path);
            return HasCode(zip);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Loads the archive at <paramref name="path"/> on the CPU in eval mode. A damaged, forged or unloadable archive
    /// raises an <see cref="InputException"/> for the weights setting that names the file.
    /// </summary>
    public static TorchScriptNetwork Load(string path)
    {
        int tf32;
        try
        {
            using (ZipArchive zip = ZipFile.OpenRead(path))
            {
                if (!HasCode(zip))
                {
                    throw new InputException("weights", $"'{path}' is a zip archive without TorchScript code (no code/ folder); expected an archive written by " +
                        "torch.jit.save (scripts/export_model.py writes one).");
                }
                if (zip.Entries.FirstOrDefault(e => e.Length > MaxInflation * e.CompressedLength + InflationSlack) is { } bomb)
                {
                    throw new InputException("weights", $"'{path}': entry {bomb.FullName} inflates from {bomb.CompressedLength} to {bomb.Length} bytes; " +
                        "expected an archive written by torch.jit.save (refused before reading it).");
                }
                if (zip.Entries.FirstOrDefault(e => e.Length > MaxTextEntry && !IsTensorData(e.FullName)) is { } huge)
                {
                    throw new InputException("weights", $"'{path}': entry {huge.FullName} inflates to {huge.Length} bytes, more than the {MaxTextEntry >> 20} MiB " +
                        "that any code file or pickle of a TorchScript archive needs; expected an archive written by torch.jit.save (refused before reading it).");
                }
                IReadOnlySet<(string Module, string Name)> classes = PickleScan.CheckTorchScript(zip, path);
                IReadOnlyDictionary<string, string> code = CodeTexts(zip);
                string root = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal))?.FullName.Split('/')[0] ?? "";
                CheckClassCode(classes, code, root, path);
                if (code.Values.Any(text => text.Contains("ConstantMKLDNNTensor", StringComparison.Ordinal)))
                {
                    // libtorch 2.10 aborts the whole process (an uncaught C++ exception) when it reads these graphs.
                    throw new InputException("weights", $"'{path}' was saved after torch.jit.optimize_for_inference, whose MKLDNN constants this libtorch " +
                        "cannot load (it would abort); expected an archive exported without it (scripts/export_model.py; torch.jit.freeze alone is fine).");
                }
                tf32 = code.Values.Sum(Tf32Convolutions);
            }
        }
        catch (InvalidDataException e)
        {
            throw new InputException("weights", $"'{path}' is a damaged zip archive ({e.Message}); expected a TorchScript archive written by torch.jit.save.", e);
        }
        jit.ScriptModule module;
        try
        {
            // On the CPU: jit.load onto CUDA leaves TorchSharp's idea of the device stale; the session moves it afterwards.
            module = jit.load(path, DeviceType.CPU);
        }
        catch (Exception e) when (e is not OutOfMemoryException and not InputException)
        {
            throw new InputException("weights", $"libtorch cannot load '{path}' as a TorchScript archive: {Native.LibTorchErrors.Line(e.Message)}", e);
        }
        var network = new TorchScriptNetwork(module, path) { Tf32Convolutions = tf32 };
        network.eval();
        return network;
    }

    /// <summary>Why <paramref name="path"/> is not an archive, in words: not a zip, a damaged zip, or a zip without code.</summary>
    public static string WhyNot(string path)
    {
        try
        {
            byte[] head = new byte[2];
            using (FileStream file = File.OpenRead(path)) _ = file.Read(head);
            if (head[0] != 'P' || head[1] != 'K') return "it is not a zip archive";
            using ZipArchive zip = ZipFile.OpenRead(path);
            return zip.Entries.Any(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal))
                ? "it is a zip without TorchScript code (no code/ folder): a state dict saved with torch.save?"
                : "it is a zip without TorchScript code (no code/ folder)";
        }
        catch (InvalidDataException e)
        {
            return $"it is a damaged zip archive ({e.Message.TrimEnd('.')}; a truncated copy?)";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"it cannot be read ({e.Message})";
        }
    }

    // The archive's code files by entry name, each read once (the size check has bounded them).
    static Dictionary<string, string> CodeTexts(ZipArchive zip)
    {
        var code = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (ZipArchiveEntry entry in zip.Entries.Where(e => IsCode(e.FullName) && e.FullName.EndsWith(".py", StringComparison.Ordinal)))
        {
            using var reader = new StreamReader(entry.Open());
            code[entry.FullName] = reader.ReadToEnd();
        }
        return code;
    }

    // Every TorchScript class the pickles build must be defined by its code file (ROOT/code/__torch__/a/b.py for
    // __torch__.a.b.Name): libtorch aborts the whole process (an uncaught ErrorReport) when one is missing.
    static void CheckClassCode(IReadOnlySet<(string Module, string Name)> classes, IReadOnlyDictionary<string, string> code, string root, string path)
    {
        foreach ((string module, string name) in classes)
        {
            string file = $"{root}/code/{module.Replace('.', '/')}.py";
            if (code.TryGetValue(file, out string? text) && text.Contains($"class {name}", StringComparison.Ordinal)) continue;
            throw new InputException("weights", $"'{path}' builds the TorchScript class {module}.{name}, but " +
                $"{(text is null ? $"its code {file} is not in the archive" : $"{file} does not define it")}; " +
                "expected an archive written whole by torch.jit.save (a damaged or edited copy?).");
        }
    }

    /// <summary>
    /// Calls of <c>torch._convolution</c> in TorchScript code whose last (13th) argument, allow_tf32, is True: the
    /// form torch.jit.trace records (input, weight, bias, stride, padding, dilation, transposed, output_padding,
    /// groups, benchmark, deterministic, cudnn_enabled, allow_tf32).
    /// </summary>
    public static int Tf32Convolutions(string code)
    {
        const string call = "_convolution(";
        int count = 0;
        for (int at = code.IndexOf(call, StringComparison.Ordinal); at >= 0; at = code.IndexOf(call, at + 1, StringComparison.Ordinal))
        {
            var arguments = new List<string>();
            int depth = 0, start = at + call.Length, i = start;
            for (; i < code.Length; i++)
            {
                char c = code[i];
                if (c is '(' or '[') depth++;
                else if (c is ')' or ']' && depth > 0) depth--;
                else if (c == ')' || (c == ',' && depth == 0))
                {
                    arguments.Add(code[start..i].Trim());
                    start = i + 1;
                    if (c == ')') break;
                }
            }
            if (arguments.Count == 13 && arguments[12] == "True") count++;
        }
        return count;
    }

    // ROOT/data/N and ROOT/constants/N: tensor storages, read by libtorch as they are.
    static bool IsTensorData(string entry)
    {
        string[] parts = entry.Split('/');
        return parts.Length == 3 && parts[1] is "data" or "constants";
    }

    /// <summary>Whether the zip archive <paramref name="zip"/> holds TorchScript code (a state dict does not).</summary>
    public static bool HasCode(ZipArchive zip) => zip.Entries.Any(e => IsCode(e.FullName));

    // torch.jit.save writes ROOT/code/__torch__/...; a state dict has only ROOT/data.pkl, ROOT/data/N and ROOT/version.
    static bool IsCode(string entry)
    {
        int slash = entry.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && entry.AsSpan(slash + 1).StartsWith("code/", StringComparison.Ordinal);
    }
}
