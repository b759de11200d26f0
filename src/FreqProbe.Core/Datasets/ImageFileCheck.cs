using System.Buffers.Binary;
using System.Globalization;

namespace FreqProbe.Core.Datasets;

/// <summary>
/// Checks an image file's bytes before it is decoded. JPEG and PNG files are walked segment by segment (chunk by
/// chunk) to their end marker, so that a truncated file is refused, as PIL refuses it by default, instead of being
/// decoded silently into a partly grey picture; a BMP must hold the bytes its header declares. Returns null when
/// the file is whole, or the reason it is not.
/// </summary>
public static class ImageFileCheck
{
    /// <summary>The default pixel limit: PIL's decompression-bomb error threshold (2 × MAX_IMAGE_PIXELS).</summary>
    public const long DefaultMaxPixels = 178_956_970;

    /// <summary>Why <paramref name="bytes"/> is not a whole image file, or null.</summary>
    public static string? Truncation(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0) return "the file is empty";
        if (bytes.Length >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF) return Jpeg(bytes);
        if (bytes.Length >= 8 && bytes[..8].SequenceEqual(PngSignature)) return Png(bytes);
        if (bytes.Length >= 6 && bytes[0] == (byte)'B' && bytes[1] == (byte)'M')
        {
            uint declared = BinaryPrimitives.ReadUInt32LittleEndian(bytes[2..6]);
            return declared > bytes.Length ? Short("BMP", bytes.Length, declared) : null;
        }
        return null;
    }

    static ReadOnlySpan<byte> PngSignature => new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };

    static string Short(string format, long have, long need) =>
        string.Create(CultureInfo.InvariantCulture, $"the {format} file is truncated ({have} bytes, its structure needs at least {need})");

    // SOI, then segments (FF xx, 16-bit length) up to each start of scan, entropy-coded data up to the next marker,
    // and so on until EOI. Bytes after EOI are allowed (some cameras append data).
    static string? Jpeg(ReadOnlySpan<byte> b)
    {
        int i = 2;
        while (true)
        {
            if (i >= b.Length) return $"the JPEG file is truncated: it ends after {b.Length} bytes without its end-of-image marker";
            if (b[i] != 0xFF) return string.Create(CultureInfo.InvariantCulture, $"the JPEG file is corrupt: expected a marker at byte {i}, found 0x{b[i]:X2}");
            while (i < b.Length && b[i] == 0xFF) i++;
            if (i >= b.Length) return $"the JPEG file is truncated: it ends after {b.Length} bytes inside a marker";
            byte marker = b[i++];
            if (marker == 0xD9) return null; // EOI
            if (marker is >= 0xD0 and <= 0xD7 or 0x01) continue;
            if (i + 2 > b.Length) return Short("JPEG", b.Length, i + 2);
            int length = BinaryPrimitives.ReadUInt16BigEndian(b.Slice(i, 2));
            if (length < 2) return string.Create(CultureInfo.InvariantCulture, $"the JPEG file is corrupt: segment 0x{marker:X2} at byte {i} declares length {length}");
            if (i + length > b.Length) return Short("JPEG", b.Length, i + length);
            i += length;
            if (marker != 0xDA) continue;
            // Entropy-coded data: FF 00 is a stuffed byte and FF D0..D7 a restart marker; any other FF xx ends the scan.
            // The search jumps from one FF to the next (vectorised), since this runs on every image decoded.
            while (true)
            {
                int ff = b[i..].IndexOf((byte)0xFF);
                if (ff < 0 || i + ff + 1 >= b.Length) return $"the JPEG file is truncated: its image data ends after {b.Length} bytes without an end-of-image marker";
                i += ff;
                if (b[i + 1] is 0x00 or (>= 0xD0 and <= 0xD7)) i += 2;
                else break;
            }
        }
    }

    // The signature, then chunks (32-bit length, type, data, CRC) until IEND.
    static string? Png(ReadOnlySpan<byte> b)
    {
        long i = 8;
        while (true)
        {
            if (i + 8 > b.Length) return Short("PNG", b.Length, i + 8);
            uint length = BinaryPrimitives.ReadUInt32BigEndian(b.Slice((int)i, 4));
            bool end = b.Slice((int)i + 4, 4).SequenceEqual("IEND"u8);
            long next = i + 12 + length;
            if (next > b.Length) return Short("PNG", b.Length, next);
            if (end) return null;
            i = next;
        }
    }
}
