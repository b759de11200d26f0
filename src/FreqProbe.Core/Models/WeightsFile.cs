using System.Collections;
using System.Security.Cryptography;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace FreqProbe.Core.Models;

/// <summary>
/// Reads a state dict from a weights file: PyTorch <c>.pth</c>/<c>.pt</c> (zip format; a dict wrapped under
/// <c>state_dict</c> or <c>model</c> is unwrapped, and a <c>module.</c> prefix is dropped), <c>.safetensors</c>, or
/// TorchSharp <c>.dat</c>. Tensors are returned on the CPU.
/// </summary>
public static class WeightsFile
{
    /// <summary>The file extensions understood.</summary>
    public static IReadOnlyList<string> Extensions { get; } = new[] { ".pth", ".pt", ".safetensors", ".dat" };

    /// <summary>Loads the state dict in <paramref name="path"/>; bad files raise <see cref="InputException"/>.</summary>
    public static Dictionary<string, Tensor> Load(string path)
    {
        if (!File.Exists(path)) throw new InputException("weights", $"'{path}' not found.");
        if (new FileInfo(path).Length == 0)
        {
            // Not opened: a named pipe or device reports no size, and reading it would block or never end.
            throw new InputException("weights", $"'{path}' is empty or not a regular file (a pipe or device); expected a weights file.");
        }
        string extension = Path.GetExtension(path).ToLowerInvariant();
        try
        {
            Dictionary<string, Tensor> raw = extension switch
            {
                ".pth" or ".pt" => LoadPickled(path),
                ".safetensors" => Safetensors.LoadStateDict(path),
                ".dat" => LoadTorchSharp(path),
                _ => throw new InputException("weights", $"'{path}' has extension '{extension}'; expected one of {string.Join(", ", Extensions)}."),
            };
            return StripPrefix(raw, "module.");
        }
        catch (InputException)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InputException("weights", $"cannot read '{path}' as a {extension} state dict: {e.Message}", e);
        }
    }

    /// <summary>The SHA-256 of the file, lower-case hex.</summary>
    public static string Sha256(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    static Dictionary<string, Tensor> LoadPickled(string path)
    {
        PickleScan.Check(path); // before anything is unpickled or allocated
        Hashtable table = PyTorchUnpickler.UnpickleStateDict(path);
        // Training checkpoints wrap the weights: {"state_dict": {...}, "epoch": ...} or {"model": {...}}.
        foreach (string wrapper in new[] { "state_dict", "model" })
        {
            if (table[wrapper] is Hashtable inner) table = inner;
        }
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is string key && entry.Value is Tensor tensor) result[key] = tensor;
        }
        if (result.Count == 0) throw new InputException("weights", $"'{path}' holds no tensors; expected a state dict, or a checkpoint with one under 'state_dict' or 'model'.");
        return result;
    }

    // TorchSharp's Module.save format: a 7-bit-encoded count, then (string name, tensor) pairs.
    static Dictionary<string, Tensor> LoadTorchSharp(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        long count = reader.Read7BitEncodedInt64();
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (long i = 0; i < count; i++)
        {
            string key = reader.ReadString();
            result[key] = TensorExtensionMethods.Load(reader, false);
        }
        return result;
    }

    static Dictionary<string, Tensor> StripPrefix(Dictionary<string, Tensor> raw, string prefix)
    {
        if (!raw.Keys.All(k => k.StartsWith(prefix, StringComparison.Ordinal))) return raw;
        return raw.ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value, StringComparer.Ordinal);
    }
}
