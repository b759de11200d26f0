using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FreqProbe.Core.IO;

namespace FreqProbe.Core.Analyses;

/// <summary>
/// The checkpoint of an unfinished analysis run beside its --out: the partial result in the analysis's own JSON format,
/// wrapped with the format tag of the checkpoint, the analysis's tag and the SHA-256 of the partial result, so that an
/// edited or damaged checkpoint is refused rather than resumed into wrong numbers.
/// </summary>
public static class AnalysisCheckpoint
{
    /// <summary>
    /// Writes the partial result (which <paramref name="write"/> writes to the path it is given) as the checkpoint at
    /// <paramref name="path"/>, atomically, with <paramref name="dataStamp"/>, the content stamp of the data it read.
    /// </summary>
    public static void Save(string path, string analysisFormat, string dataStamp, Action<string> write)
    {
        string partial = AtomicFile.TempPathFor(AtomicFile.Target(path)) + ".partial.json";
        try
        {
            write(partial);
            byte[] bytes = File.ReadAllBytes(partial);
            AtomicFile.Write(path, stream =>
            {
                using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
                json.WriteStartObject();
                json.WriteString("format", FormatTags.AnalysisCheckpoint);
                json.WriteString("analysis_format", analysisFormat);
                json.WriteString("data_stamp", dataStamp);
                json.WriteString("partial_sha256", Convert.ToHexStringLower(SHA256.HashData(bytes)));
                json.WritePropertyName("partial");
                json.WriteRawValue(bytes, skipInputValidation: false);
                json.WriteEndObject();
            });
        }
        finally
        {
            File.Delete(partial);
        }
    }

    /// <summary>
    /// Reads the partial result of the checkpoint at <paramref name="path"/> with <paramref name="read"/>, and the data
    /// stamp it was saved with, refusing another analysis's, an edited or a damaged one.
    /// </summary>
    public static (T Partial, string DataStamp) Load<T>(string path, string analysisFormat, Func<string, T> read)
    {
        InputException Corrupt(string why) => new("resume", $"{path}: not a usable checkpoint ({why}); delete it or run without --resume.");
        string partial = AtomicFile.TempPathFor(AtomicFile.Target(path)) + ".partial.json";
        string stamp;
        try
        {
            using (JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(path)))
            {
                JsonElement root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out JsonElement format) || format.GetString() != FormatTags.AnalysisCheckpoint)
                {
                    throw Corrupt($"expected format {FormatTags.AnalysisCheckpoint}");
                }
                if (root.GetProperty("analysis_format").GetString() != analysisFormat) throw Corrupt($"it holds {root.GetProperty("analysis_format").GetString()}, not {analysisFormat}");
                byte[] bytes = Encoding.UTF8.GetBytes(root.GetProperty("partial").GetRawText());
                if (Convert.ToHexStringLower(SHA256.HashData(bytes)) != root.GetProperty("partial_sha256").GetString()) throw Corrupt("its content does not match its checksum (it was edited or damaged)");
                File.WriteAllBytes(partial, bytes);
                stamp = root.GetProperty("data_stamp").GetString() ?? throw Corrupt("its data stamp is null");
            }
            return (read(partial), stamp);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw Corrupt(e.Message);
        }
        finally
        {
            File.Delete(partial);
        }
    }
}
