using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace FreqProbe.Core.Models;

/// <summary>
/// Reads a PyTorch <c>.pth</c>/<c>.pt</c> file before anything in it is unpickled or allocated, and refuses what a
/// state dict never holds: a file that is not a zip archive (text, or PyTorch's legacy format), a TorchScript archive,
/// a pickle that names any callable besides rebuilding tensors and ordered dicts (such as <c>posix.system</c>: it is
/// never run), and a tensor whose declared shape and strides need more elements than its storage holds, or whose
/// storage is larger than its bytes in the archive (a 100000×100000 tensor with stride 0 would otherwise make
/// libtorch allocate 40 GB). The pickle is stepped through with a small stack machine that builds no objects.
/// </summary>
public static class PickleScan
{
    // The only callables a state dict (or a checkpoint wrapping one) needs.
    static readonly HashSet<string> Allowed = new(StringComparer.Ordinal)
    {
        "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor", "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state", "torch.Size", "builtins.set", "__builtin__.set",
    };

    static readonly Dictionary<string, int> StorageBytes = new(StringComparer.Ordinal)
    {
        ["DoubleStorage"] = 8, ["FloatStorage"] = 4, ["HalfStorage"] = 2, ["BFloat16Storage"] = 2, ["LongStorage"] = 8, ["IntStorage"] = 4,
        ["ShortStorage"] = 2, ["CharStorage"] = 1, ["ByteStorage"] = 1, ["BoolStorage"] = 1, ["ComplexFloatStorage"] = 8, ["ComplexDoubleStorage"] = 16,
    };

    sealed record Global(string Module, string Name)
    {
        public string Full => $"{Module}.{Name}";
    }

    sealed record Persistent(object? Id);

    sealed record Call(Global? Callable, object? Args);

    sealed class Mark;

    // What a TorchScript archive's pickles may name besides tensors: its own compiled classes (__torch__.*, resolved
    // against the archive's TorchScript code, never Python) and the list builders of torch.jit._pickle.
    static bool AllowedInTorchScript(Global global) =>
        global.Module.StartsWith("__torch__", StringComparison.Ordinal) || global.Module == "torch.jit._pickle";

    /// <summary>Checks <paramref name="path"/>; throws an <see cref="InputException"/> for the weights setting when it must not be loaded.</summary>
    public static void Check(string path)
    {
        byte[] head = new byte[4];
        using (FileStream file = File.OpenRead(path)) _ = file.Read(head);
        if (!(head[0] == 'P' && head[1] == 'K'))
        {
            throw new InputException("weights", head[0] == 0x80
                ? $"'{path}' is a pickle in PyTorch's legacy format (before 1.6); expected the zip format: re-save it with a current torch.save."
                : $"'{path}' is not a PyTorch archive (it starts with {Describe(head)}); expected a .pth/.pt written by torch.save, a .safetensors or a TorchSharp .dat file.");
        }
        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new InputException("weights", $"'{path}' is a damaged zip archive ({e.Message}); expected a .pth written by torch.save, or a TorchScript " +
                "archive written by torch.jit.save (a truncated copy?).", e);
        }
        using (zip)
        {
            if (TorchScriptArchive.HasCode(zip))
            {
                throw new InputException("weights", $"'{path}' is a TorchScript archive (torch.jit.save), not a state dict; expected the model's state_dict saved with torch.save.");
            }
            ZipArchiveEntry pickle = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal))
                ?? throw new InputException("weights", $"'{path}' holds no data.pkl; expected a .pth written by torch.save.");
            string folder = pickle.FullName[..^"data.pkl".Length];
            if (pickle.Length > TorchScriptArchive.MaxTextEntry)
            {
                throw new InputException("weights", $"'{path}': {pickle.FullName} inflates to {pickle.Length} bytes, more than the " +
                    $"{TorchScriptArchive.MaxTextEntry >> 20} MiB any state dict's pickle needs; expected a .pth written by torch.save (refused before reading it).");
            }
            var sizes = zip.Entries.ToDictionary(e => e.FullName, e => e.Length, StringComparer.Ordinal);
            using var memory = new MemoryStream();
            using (Stream stream = pickle.Open()) stream.CopyTo(memory);
            Scan(memory.ToArray(), path, key => sizes.TryGetValue($"{folder}data/{key}", out long length) ? length : null, StateDict);
        }
    }

    /// <summary>
    /// Checks the pickles of the TorchScript archive <paramref name="zip"/> at <paramref name="path"/> (data.pkl and
    /// constants.pkl) before libtorch reads them: they may name only tensors and the archive's own TorchScript classes,
    /// and every tensor must fit its storage, which must be in the archive. Returns the archive's own classes the
    /// pickles build (module, name; module starting with __torch__), whose code the caller checks.
    /// </summary>
    public static IReadOnlySet<(string Module, string Name)> CheckTorchScript(ZipArchive zip, string path)
    {
        var sizes = zip.Entries.ToDictionary(e => e.FullName, e => e.Length, StringComparer.Ordinal);
        var globals = new HashSet<Global>();
        foreach (ZipArchiveEntry pickle in zip.Entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) || e.FullName.EndsWith("/constants.pkl", StringComparison.Ordinal)))
        {
            string storages = pickle.FullName[..^".pkl".Length] + "/"; // data.pkl -> data/N, constants.pkl -> constants/N
            using var memory = new MemoryStream();
            using (Stream stream = pickle.Open()) stream.CopyTo(memory);
            Scan(memory.ToArray(), path, key => sizes.TryGetValue(storages + key, out long length) ? length : null, TorchScript, globals);
        }
        return globals.Where(g => g.Module.StartsWith("__torch__", StringComparison.Ordinal)).Select(g => (g.Module, g.Name)).ToHashSet();
    }

    /// <summary>Scans one pickle as a state dict's (<paramref name="torchScript"/> false) or a TorchScript archive's; for tests.</summary>
    internal static void ScanPickle(byte[] pickle, string path, Func<string, long?> storageLength, bool torchScript) =>
        Scan(pickle, path, storageLength, torchScript ? TorchScript : StateDict, null);

    sealed record Expectation(string What, Func<Global, bool> Also);

    static readonly Expectation StateDict = new("a state dict", _ => false);
    static readonly Expectation TorchScript = new("a TorchScript archive", AllowedInTorchScript);

    static string Describe(byte[] head) => head.All(b => b is >= 0x20 and < 0x7F) ? $"'{Encoding.ASCII.GetString(head)}'" : Convert.ToHexString(head);

    // Survives any byte string: a pickle that underflows its stack, declares lengths beyond its end or otherwise does
    // not add up is refused as malformed (tests/.../PickleScanFuzzTests feeds it random and mutated pickles).
    static void Scan(byte[] p, string path, Func<string, long?> storageLength, Expectation expected, ISet<Global>? globals = null)
    {
        int at = 0;
        try
        {
            ScanOpcodes(p, path, storageLength, expected, globals, ref at);
        }
        catch (Exception e) when (e is not InputException and not OutOfMemoryException)
        {
            throw Bad(path, string.Create(CultureInfo.InvariantCulture, $"a malformed pickle (it does not add up at byte {at}: {e.GetType().Name})"), expected);
        }
    }

    static void ScanOpcodes(byte[] p, string path, Func<string, long?> storageLength, Expectation expected, ISet<Global>? globals, ref int at)
    {
        var stack = new List<object?>();
        var memo = new Dictionary<long, object?>();
        int i = 0;
        object? Top() => stack.Count > 0 ? stack[^1] : throw Bad(path, string.Create(CultureInfo.InvariantCulture, $"a pickle that reads below its stack at byte {i - 1}"), expected);
        object? Pop()
        {
            object? v = Top();
            stack.RemoveAt(stack.Count - 1);
            return v;
        }
        int Length(ReadOnlySpan<byte> bytes)
        {
            uint n = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
            if (n > p.Length - i) throw Bad(path, "a truncated pickle", expected);
            return (int)n;
        }
        List<object?> PopMark()
        {
            int at = stack.FindLastIndex(v => v is Mark);
            if (at < 0) throw Bad(path, "a pickle with an unbalanced mark", expected);
            var items = stack.GetRange(at + 1, stack.Count - at - 1);
            stack.RemoveRange(at, stack.Count - at);
            return items;
        }
        ReadOnlySpan<byte> Take(int n)
        {
            if (i + n > p.Length) throw Bad(path, "a truncated pickle", expected);
            var span = p.AsSpan(i, n);
            i += n;
            return span;
        }
        string Line()
        {
            int end = Array.IndexOf(p, (byte)'\n', i);
            if (end < 0) throw Bad(path, "a truncated pickle", expected);
            string text = Encoding.UTF8.GetString(p, i, end - i);
            i = end + 1;
            return text;
        }
        while (true)
        {
            at = i;
            if (i >= p.Length) throw Bad(path, "a pickle without its end", expected);
            byte op = p[i++];
            switch (op)
            {
                case 0x80: Take(1); break;                                        // PROTO
                case 0x95: Take(8); break;                                        // FRAME
                case (byte)'.': return;                                           // STOP
                case (byte)'(': stack.Add(new Mark()); break;                    // MARK
                case (byte)'}' or (byte)']': stack.Add(new List<object?>()); break; // EMPTY_DICT, EMPTY_LIST
                case (byte)')': stack.Add(new List<object?>()); break;            // EMPTY_TUPLE
                case (byte)'N': stack.Add(null); break;
                case 0x88: stack.Add(true); break;
                case 0x89: stack.Add(false); break;
                case (byte)'J': stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;
                case (byte)'K': stack.Add((long)Take(1)[0]); break;
                case (byte)'M': stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;
                case 0x8A:                                                        // LONG1
                {
                    int n = Take(1)[0];
                    ReadOnlySpan<byte> bytes = Take(n);
                    long value = 0;
                    for (int k = Math.Min(n, 8) - 1; k >= 0; k--) value = (value << 8) | bytes[k];
                    if (n is > 0 and < 8 && (bytes[n - 1] & 0x80) != 0) value -= 1L << (8 * n);
                    stack.Add(value);
                    break;
                }
                case (byte)'G': stack.Add(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break;
                case (byte)'X': stack.Add(Encoding.UTF8.GetString(Take(Length(Take(4))))); break;
                case 0x8C: stack.Add(Encoding.UTF8.GetString(Take(Take(1)[0]))); break;
                case (byte)'U': stack.Add(Encoding.Latin1.GetString(Take(Take(1)[0]))); break;
                case (byte)'T': stack.Add(Encoding.Latin1.GetString(Take(Length(Take(4))))); break;
                case (byte)'C': Take(Take(1)[0]); stack.Add("<bytes>"); break;
                case (byte)'B': Take(Length(Take(4))); stack.Add("<bytes>"); break;
                case (byte)'q': memo[Take(1)[0]] = Top(); break;                 // BINPUT
                case (byte)'r': memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = Top(); break;
                case 0x94: memo[memo.Count] = Top(); break;                      // MEMOIZE
                case (byte)'h': stack.Add(memo.GetValueOrDefault(Take(1)[0])); break;
                case (byte)'j': stack.Add(memo.GetValueOrDefault(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break;
                case (byte)'c':                                                   // GLOBAL
                {
                    Global global = Permit(new Global(Line(), Line()), path, expected);
                    globals?.Add(global);
                    stack.Add(global);
                    break;
                }
                case 0x93:                                                        // STACK_GLOBAL
                {
                    string name = Pop() as string ?? "?", module = Pop() as string ?? "?";
                    Global global = Permit(new Global(module, name), path, expected);
                    globals?.Add(global);
                    stack.Add(global);
                    break;
                }
                case (byte)'t': stack.Add(PopMark()); break;                      // TUPLE
                case 0x85: stack.Add(new List<object?> { Pop() }); break;
                case 0x86: { object? b = Pop(), a = Pop(); stack.Add(new List<object?> { a, b }); break; }
                case 0x87: { object? c = Pop(), b = Pop(), a = Pop(); stack.Add(new List<object?> { a, b, c }); break; }
                case (byte)'l' or (byte)'d': PopMark(); stack.Add(new List<object?>()); break; // LIST, DICT
                case (byte)'Q': stack.Add(new Persistent(Pop())); break;         // BINPERSID
                case (byte)'R':                                                   // REDUCE
                {
                    object? args = Pop();
                    var call = new Call(Pop() as Global, args);
                    if (call.Callable?.Name is "_rebuild_tensor_v2" or "_rebuild_tensor") CheckTensor(call, path, storageLength);
                    stack.Add(call);
                    break;
                }
                case 0x81: { Pop(); stack.Add(new Call(Pop() as Global, null)); break; } // NEWOBJ
                case (byte)'s': Pop(); Pop(); break;                              // SETITEM
                case (byte)'u' or (byte)'e': PopMark(); break;                    // SETITEMS, APPENDS
                case (byte)'a': Pop(); break;                                     // APPEND
                case (byte)'b': Pop(); break;                                     // BUILD
                case (byte)'0': Pop(); break;                                     // POP
                case (byte)'1': PopMark(); break;                                 // POP_MARK
                case (byte)'2': stack.Add(Top()); break;                          // DUP
                default:
                    throw Bad(path, string.Create(CultureInfo.InvariantCulture, $"pickle opcode 0x{op:X2} at byte {i - 1}, which {expected.What} does not use"), expected);
            }
        }
    }

    static Global Permit(Global global, string path, Expectation expected)
    {
        if (Allowed.Contains(global.Full) || expected.Also(global)) return global;
        if (global.Module == "torch" && (global.Name.EndsWith("Storage", StringComparison.Ordinal) || global.Name is "float32" or "float16" or "bfloat16" or "float64" or "int64")) return global;
        throw new InputException("weights", expected == StateDict
            ? $"'{path}' calls `{global.Full}` when unpickled, which FreqProbe never runs (a state dict only rebuilds tensors); " +
                "expected a state dict saved with torch.save(model.state_dict())."
            : $"'{path}' calls `{global.Full}` when unpickled, which FreqProbe never runs (a TorchScript archive only rebuilds tensors and its own " +
                "__torch__ classes); expected an archive written by torch.jit.save.");
    }

    // _rebuild_tensor_v2(storage, offset, size, stride, ...): the elements the view reaches must be in its storage, the
    // storage must be in the archive, and the tensor may not have more elements than its storage (a broadcast view
    // that loading would copy out into a huge allocation).
    static void CheckTensor(Call call, string path, Func<string, long?> storageLength)
    {
        if (call.Args is not List<object?> { Count: >= 4 } args || args[0] is not Persistent { Id: List<object?> { Count: >= 5 } id }
            || args[1] is not long offset || args[2] is not List<object?> size || args[3] is not List<object?> stride || size.Count != stride.Count)
        {
            return; // not the layout torch.save writes; the loader reports it
        }
        string key = id[2]?.ToString() ?? "?";
        long numel = id[4] is long n ? n : -1;
        int element = id[1] is Global { Name: var storage } && StorageBytes.TryGetValue(storage, out int bytes) ? bytes : 1;
        long[] dims = size.Select(v => v is long l ? l : -1).ToArray();
        long[] steps = stride.Select(v => v is long l ? l : -1).ToArray();
        string shape = "[" + string.Join(", ", dims) + "]";
        if (numel < 0 || offset < 0 || dims.Any(d => d < 0) || steps.Any(s => s < 0)) throw Bad(path, $"a tensor (storage {key}) with a negative size, stride or offset");
        if (storageLength(key) is not { } length || length < numel * element)
        {
            throw new InputException("weights", string.Create(CultureInfo.InvariantCulture,
                $"'{path}': storage {key} declares {numel} elements of {element} bytes but the archive holds {(storageLength(key) is { } l ? $"{l} bytes" : "no such entry")}; the file is damaged or forged."));
        }
        double elements = dims.Aggregate(1.0, (a, d) => a * d);
        double reach = dims.Any(d => d == 0) ? 0 : offset + 1 + dims.Zip(steps).Sum(t => (double)(t.First - 1) * t.Second);
        if (elements > numel || reach > numel)
        {
            string declared = string.Create(CultureInfo.InvariantCulture,
                $"'{path}': a tensor declares shape {shape} with strides [{string.Join(", ", steps)}] ({elements:0} elements) over storage {key} of {numel} elements");
            throw new InputException("weights", declared + "; expected a tensor no larger than its storage (refused before allocating).");
        }
    }

    static InputException Bad(string path, string what, Expectation? expected = null) =>
        new("weights", $"'{path}' is not {(expected ?? StateDict).What} FreqProbe can read: it holds {what}.");
}
