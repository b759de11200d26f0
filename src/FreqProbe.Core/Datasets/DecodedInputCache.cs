using System.Globalization;
using System.IO.Hashing;
using System.IO.MemoryMappedFiles;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FreqProbe.Core.IO;

namespace FreqProbe.Core.Datasets;

/// <summary>
/// Decoded model inputs kept on disk, so that repeated runs over the same images skip decoding: the bytes after resize
/// and crop (S×S×3 per image, what <see cref="IImageDataset.Prepare"/> writes), read memory-mapped.
/// <para>
/// One folder per (data source, split, preprocessing, decoder, pixel limit) under the cache root holds
/// <c>inputs.u8</c> (image i at byte i·S·S·3; a sparse file, only the images some run needed are filled),
/// <c>index.json</c> (the data folder's fingerprint; per filled image the XxHash3 of its input or the reason it could not
/// be decoded, and the XxHash3 of the file it was decoded from) and <c>index.sha256</c>, the checksum of the index. A run
/// fills what it lacks and then reads everything from the map.
/// </para>
/// <para>
/// Nothing stale or damaged is used: an index whose checksum, format or key does not match, a data file of the wrong
/// size, or a data folder whose fingerprint (file list, sizes, modification times) changed makes the folder be rebuilt,
/// with a notice; an image file whose bytes changed although its size and time did not (an edit in place, `touch -r`)
/// is decoded again, with a notice, before anything is served: each run re-hashes the files it reads, which costs a read
/// of the encoded bytes, not a decode. An input whose bytes no longer match its hash is an error naming the cache.
/// </para>
/// </summary>
public sealed class DecodedInputCache : IImageDataset
{
    const string Format = FormatTags.DecodedInputs;

    /// <summary>What decodes and resizes: part of the key, so that a change to either (a SkiaSharp upgrade too) never reuses old bytes.</summary>
    public static readonly string Decoder =
        $"{ImageDecoders.Description} + PIL-exact 8-bit fixed-point resampling ({ResampleAxis.PrecisionBits} bits)";

    readonly IImageDataset inner;
    readonly PreprocessPolicy policy;
    readonly int stride;
    readonly ulong[] hashes;
    readonly string?[] bad;
    readonly bool[] held;
    readonly FileStream file;
    readonly MemoryMappedFile map;
    readonly MemoryMappedViewAccessor view;

    DecodedInputCache(IImageDataset inner, PreprocessPolicy policy, string folder, ulong[] hashes, string?[] bad, bool[] held, int decoded)
    {
        this.inner = inner;
        this.policy = policy;
        stride = 3 * policy.InputSize * policy.InputSize;
        Folder = folder;
        this.hashes = hashes;
        this.bad = bad;
        this.held = held;
        Decoded = decoded;
        // Never empty: a dataset has at least one image and an input at least one byte. The open stream holds a shared
        // lock for as long as this run reads, which tells a rebuilding run to write a new file instead.
        file = new FileStream(Path.Combine(folder, "inputs.u8"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        map = MemoryMappedFile.CreateFromFile(file, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
    }

    /// <summary>The cache folder of this data and preprocessing.</summary>
    public string Folder { get; }

    /// <summary>Images this opening had to decode.</summary>
    public int Decoded { get; }

    /// <summary>
    /// Opens (building or completing as needed) the cache under <paramref name="root"/> for <paramref name="inner"/>'s
    /// images at <paramref name="needed"/> under <paramref name="policy"/>, decoding missing ones on
    /// <paramref name="threads"/> threads. <paramref name="notice"/> hears what was found and done.
    /// </summary>
    public static DecodedInputCache Open(string root, IImageDataset inner, PreprocessPolicy policy, long maxPixels, IReadOnlyList<int> needed, int threads,
        Action<string>? notice = null)
    {
        string key = Key(inner, policy, maxPixels, out JsonObject identity);
        string folder = Path.Combine(root, key);
        string fingerprint = inner.ContentStamp();
        long length = (long)inner.Count * 3 * policy.InputSize * policy.InputSize;
        try
        {
            Directory.CreateDirectory(folder);
            using FileStream lockFile = Lock(folder);
            var hashes = new ulong[inner.Count];
            var sources = new ulong?[inner.Count];
            var bad = new string?[inner.Count];
            var held = new bool[inner.Count];
            string? stale = ReadIndex(folder, identity, fingerprint, length, hashes, sources, bad, held);
            string data = Path.Combine(folder, "inputs.u8");
            int[] edited = Array.Empty<int>();
            if (stale is not null)
            {
                if (stale != "") notice?.Invoke($"decoded cache {folder}: {stale}; rebuilding it");
                Array.Clear(held);
            }
            else
            {
                edited = Edited(inner, needed.Where(i => held[i]).Distinct().ToArray(), sources, threads);
                if (edited.Length > 0)
                {
                    notice?.Invoke($"decoded cache {folder}: {edited.Length} image file(s) changed since they were decoded although their sizes and " +
                        $"modification times did not (first: {inner.Describe(edited[0])}); decoding them again");
                    foreach (int i in edited) held[i] = false;
                }
            }
            int[] missing = needed.Where(i => !held[i]).Distinct().Order().ToArray();
            if (missing.Length > 0) notice?.Invoke($"decoded cache {folder}: decoding {missing.Length} image(s) once");
            // Runs that have the cache open read their inputs from a map of inputs.u8. A rebuild, or new bytes over images
            // they may read (edited ones, while a reader holds the file), go to a new file that replaces inputs.u8 by a
            // rename: the readers keep the file they mapped, and never see bytes other than those they were told of.
            // Filling images no index named yet writes where no reader reads, so it is done in place.
            bool replace = stale is not null || (edited.Length > 0 && ReadersHold(data));
            if (replace || missing.Length > 0)
            {
                File.Delete(Path.Combine(folder, "index.sha256")); // the index is untrusted until the data matches it again
                string target = replace ? data + ".new" : data;
                if (stale is not null)
                {
                    using var fresh = new FileStream(target, FileMode.Create, FileAccess.Write);
                    fresh.SetLength(length);
                }
                else if (replace)
                {
                    File.Copy(data, target, overwrite: true);
                }
                Fill(inner, policy, target, missing, threads, hashes, sources, bad);
                foreach (int i in missing) held[i] = true;
                if (replace) File.Move(target, data, overwrite: true);
                WriteIndex(folder, identity, fingerprint, hashes, sources, bad, held);
            }
            return new DecodedInputCache(inner, policy, folder, hashes, bad, held, missing.Length);
        }
        catch (Exception e) when (ParallelFailure.Unwrap(e) is IOException or UnauthorizedAccessException)
        {
            Exception why = ParallelFailure.Unwrap(e);
            string hint = ParallelFailure.IsDiskFull(why) ? "free some space, or point --decoded-cache at a disk with room" : "expected a writable folder";
            throw new InputException("decoded-cache", $"cannot use the decoded cache '{folder}' ({why.Message}); {hint}.", why);
        }
    }

    // Whether a run has inputs.u8 open for reading (each holds a shared lock on it while open).
    static bool ReadersHold(string data)
    {
        if (!File.Exists(data)) return false;
        try
        {
            using var probe = new FileStream(data, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    static string Key(IImageDataset inner, PreprocessPolicy policy, long maxPixels, out JsonObject identity)
    {
        identity = new JsonObject
        {
            ["format"] = Format,
            ["decoder"] = Decoder,
            ["dataset"] = inner.Name,
            ["source"] = Path.GetFullPath(inner.Source),
            ["split"] = inner.Split,
            ["count"] = inner.Count,
            ["preprocess"] = policy.Describe(),
            ["max_image_pixels"] = maxPixels,
        };
        byte[] digest = SHA256.HashData(Encoding.UTF8.GetBytes(identity.ToJsonString()));
        return Convert.ToHexStringLower(digest)[..16];
    }

    // One process fills a folder at a time; another waits for it (a sweep's shards can share one cache).
    static FileStream Lock(string folder)
    {
        string path = Path.Combine(folder, "lock");
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 600)
            {
                Thread.Sleep(500);
            }
        }
    }

    // The held images among `candidates` whose file no longer hashes to what it was decoded from, in index order.
    static int[] Edited(IImageDataset inner, int[] candidates, ulong?[] sources, int threads)
    {
        var changed = new System.Collections.Concurrent.ConcurrentBag<int>();
        ParallelFailure.Run(() => Parallel.ForEach(candidates, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
        {
            if (inner.SourceHash(i) != sources[i]) changed.Add(i);
        }));
        return changed.Order().ToArray();
    }

    // Null when the index is whole and current; "" when there is none yet; else why it cannot be used.
    static string? ReadIndex(string folder, JsonObject identity, string fingerprint, long length, ulong[] hashes, ulong?[] sources, string?[] bad, bool[] held)
    {
        string indexPath = Path.Combine(folder, "index.json"), sumPath = Path.Combine(folder, "index.sha256");
        string dataPath = Path.Combine(folder, "inputs.u8");
        if (!File.Exists(indexPath) && !File.Exists(sumPath)) return "";
        if (!File.Exists(indexPath) || !File.Exists(sumPath)) return "its index is incomplete";
        byte[] index = File.ReadAllBytes(indexPath);
        if (File.ReadAllText(sumPath).Trim() != Convert.ToHexStringLower(SHA256.HashData(index))) return "its index does not match its checksum (damaged or edited)";
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(index);
        }
        catch (JsonException)
        {
            return "its index is not valid JSON";
        }
        if (root?["identity"]?.ToJsonString() != identity.ToJsonString()) return "it was made by another decoder or for other settings";
        if (root["fingerprint"]?.GetValue<string>() != fingerprint) return "the data folder changed since it was built (file list, sizes or modification times)";
        if (!File.Exists(dataPath) || new FileInfo(dataPath).Length != length) return $"its data file is not {length} bytes long";
        if (root["entries"] is not JsonArray entries) return "its index has no entries";
        foreach (JsonNode? entry in entries)
        {
            int i = entry!["i"]!.GetValue<int>();
            if (i < 0 || i >= held.Length) return $"its index names image {i}, outside the dataset";
            held[i] = true;
            if (entry["src"] is { } source) sources[i] = ulong.Parse(source.GetValue<string>(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (entry["bad"] is { } reason) bad[i] = reason.GetValue<string>();
            else hashes[i] = ulong.Parse(entry["xxh3"]!.GetValue<string>(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }
        return null;
    }

    static void Fill(IImageDataset inner, PreprocessPolicy policy, string data, int[] missing, int threads, ulong[] hashes, ulong?[] sources, string?[] bad)
    {
        int stride = 3 * policy.InputSize * policy.InputSize;
        using Microsoft.Win32.SafeHandles.SafeFileHandle handle = File.OpenHandle(data, FileMode.Open, FileAccess.Write);
        ParallelFailure.Run(() => Parallel.ForEach(missing, new ParallelOptions { MaxDegreeOfParallelism = threads }, () => new byte[stride], (i, _, bytes) =>
        {
            // Hashed before decoding: an edit racing with this run makes the next run decode again, never keep a stale input.
            sources[i] = inner.SourceHash(i);
            try
            {
                inner.Prepare(i, policy, bytes);
                hashes[i] = XxHash3.HashToUInt64(bytes);
                RandomAccess.Write(handle, bytes, (long)i * stride);
            }
            catch (BadImageException e)
            {
                bad[i] = e.Reason;
            }
            return bytes;
        }, _ => { }));
        RandomAccess.FlushToDisk(handle);
    }

    static void WriteIndex(string folder, JsonObject identity, string fingerprint, ulong[] hashes, ulong?[] sources, string?[] bad, bool[] held)
    {
        var entries = new JsonArray();
        for (int i = 0; i < held.Length; i++)
        {
            if (!held[i]) continue;
            JsonObject entry = bad[i] is { } reason
                ? new JsonObject { ["i"] = i, ["bad"] = reason }
                : new JsonObject { ["i"] = i, ["xxh3"] = hashes[i].ToString("x16", CultureInfo.InvariantCulture) };
            if (sources[i] is { } source) entry["src"] = source.ToString("x16", CultureInfo.InvariantCulture);
            entries.Add(entry);
        }
        var root = new JsonObject
        {
            ["identity"] = identity.DeepClone(),
            ["fingerprint"] = fingerprint,
            ["written"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
            ["entries"] = entries,
        };
        byte[] index = Encoding.UTF8.GetBytes(root.ToJsonString());
        string indexPath = Path.Combine(folder, "index.json"), sumPath = Path.Combine(folder, "index.sha256");
        // The checksum goes last: an index without its checksum is never trusted.
        File.Delete(sumPath);
        File.WriteAllBytes(indexPath + ".tmp", index);
        File.Move(indexPath + ".tmp", indexPath, overwrite: true);
        File.WriteAllText(sumPath, Convert.ToHexStringLower(SHA256.HashData(index)) + "\n");
    }

    /// <inheritdoc />
    public string Name => inner.Name;

    /// <inheritdoc />
    public string Source => inner.Source;

    /// <inheritdoc />
    public string Split => inner.Split;

    /// <inheritdoc />
    public int Count => inner.Count;

    /// <inheritdoc />
    public IReadOnlyList<string> ClassNames => inner.ClassNames;

    /// <inheritdoc />
    public int LabelAt(int index) => inner.LabelAt(index);

    /// <inheritdoc />
    public RgbImage Decode(int index) => inner.Decode(index);

    /// <inheritdoc />
    public string Describe(int index) => inner.Describe(index);

    /// <inheritdoc />
    public string ContentStamp() => inner.ContentStamp();

    /// <inheritdoc />
    public ulong? SourceHash(int index) => inner.SourceHash(index);

    /// <summary>The cached input of image <paramref name="index"/>; an image the cache does not hold is decoded as usual.</summary>
    public void Prepare(int index, PreprocessPolicy policy, Span<byte> destination)
    {
        if (policy != this.policy || !held[index])
        {
            inner.Prepare(index, policy, destination);
            return;
        }
        if (bad[index] is { } reason) throw new BadImageException(inner.Describe(index), reason);
        if (destination.Length != stride) throw new ArgumentException($"destination must hold {stride} bytes");
        unsafe
        {
            byte* start = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
            try
            {
                new ReadOnlySpan<byte>(start + view.PointerOffset + (long)index * stride, stride).CopyTo(destination);
            }
            finally
            {
                view.SafeMemoryMappedViewHandle.ReleasePointer();
            }
        }
        if (XxHash3.HashToUInt64(destination) != hashes[index])
        {
            throw new InputException("decoded-cache", $"image {index} ({inner.Describe(index)}) in the decoded cache '{Folder}' does not match its checksum; " +
                "expected the bytes it was written with (delete that folder to rebuild it).");
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        view.Dispose();
        map.Dispose();
        file.Dispose();
        inner.Dispose();
    }
}
