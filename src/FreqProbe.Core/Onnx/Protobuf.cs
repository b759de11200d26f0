using System.Buffers.Binary;
using System.Buffers;
using System.Text;

namespace FreqProbe.Core.Onnx;

/// <summary>
/// The protobuf wire format, as far as ONNX files need it: a reader that checks every length against what is left (a
/// truncated or forged file is a <see cref="FormatException"/> at a byte offset, never a read past the end), and a
/// writer for the graphs FreqProbe writes itself.
/// </summary>
internal ref struct ProtoReader
{
    readonly ReadOnlySpan<byte> data;
    readonly long origin;
    int at;

    /// <summary>Reads <paramref name="data"/>, which starts at byte <paramref name="origin"/> of its file (for messages).</summary>
    public ProtoReader(ReadOnlySpan<byte> data, long origin = 0)
    {
        this.data = data;
        this.origin = origin;
    }

    /// <summary>The file offset of the next byte.</summary>
    public readonly long Offset => origin + at;

    /// <summary>The next field's number and wire type; false at the end.</summary>
    public bool Next(out int field, out int wire)
    {
        field = wire = 0;
        if (at >= data.Length) return false;
        ulong key = Varint();
        field = (int)Math.Min(key >> 3, int.MaxValue);
        wire = (int)(key & 7);
        if (field == 0) throw new FormatException($"field number 0 at byte {Offset}");
        return true;
    }

    /// <summary>A varint.</summary>
    public ulong Varint()
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (at >= data.Length) throw new FormatException($"the file ends inside a number at byte {Offset}");
            byte b = data[at++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return value;
        }
        throw new FormatException($"a number longer than 10 bytes at byte {Offset}");
    }

    /// <summary>A length-delimited field's bytes, and the file offset they start at.</summary>
    public ReadOnlySpan<byte> Bytes(out long start)
    {
        ulong length = Varint();
        start = Offset;
        if (length > (ulong)(data.Length - at))
        {
            throw new FormatException($"a field at byte {start} declares {length} bytes, but only {data.Length - at} are left");
        }
        ReadOnlySpan<byte> bytes = data.Slice(at, (int)length);
        at += (int)length;
        return bytes;
    }

    /// <summary>A length-delimited field's bytes.</summary>
    public ReadOnlySpan<byte> Bytes() => Bytes(out _);

    /// <summary>A UTF-8 string field.</summary>
    public string String() => Encoding.UTF8.GetString(Bytes());

    /// <summary>Skips a field of wire type <paramref name="wire"/>.</summary>
    public void Skip(int wire)
    {
        switch (wire)
        {
            case 0: Varint(); break;
            case 1: Advance(8); break;
            case 2: Bytes(); break;
            case 5: Advance(4); break;
            default: throw new FormatException($"wire type {wire} at byte {Offset} (groups and unknown types are not ONNX)");
        }
    }

    void Advance(int count)
    {
        if (count > data.Length - at) throw new FormatException($"the file ends inside a fixed-size field at byte {Offset}");
        at += count;
    }

    /// <summary>Int64 values of a repeated field, packed (wire type 2) or not (0).</summary>
    public void Int64s(int wire, List<long> into)
    {
        if (wire == 0)
        {
            into.Add((long)Varint());
            return;
        }
        if (wire != 2) throw new FormatException($"wire type {wire} for an integer list at byte {Offset}");
        var packed = new ProtoReader(Bytes(out long start), start);
        while (packed.at < packed.data.Length) into.Add((long)packed.Varint());
    }

    /// <summary>Float values of a repeated field, packed (wire type 2) or not (5).</summary>
    public void Floats(int wire, List<float> into)
    {
        if (wire == 5)
        {
            if (data.Length - at < 4) throw new FormatException($"the file ends inside a float at byte {Offset}");
            into.Add(BinaryPrimitives.ReadSingleLittleEndian(data[at..]));
            at += 4;
            return;
        }
        if (wire != 2) throw new FormatException($"wire type {wire} for a float list at byte {Offset}");
        ReadOnlySpan<byte> bytes = Bytes(out long start);
        if (bytes.Length % 4 != 0) throw new FormatException($"a float list at byte {start} of {bytes.Length} bytes, not a multiple of 4");
        for (int i = 0; i < bytes.Length; i += 4) into.Add(BinaryPrimitives.ReadSingleLittleEndian(bytes[i..]));
    }
}

/// <summary>Writes protobuf messages field by field (nested messages through <see cref="Message"/>).</summary>
internal sealed class ProtoWriter
{
    readonly System.Buffers.ArrayBufferWriter<byte> buffer = new();

    /// <summary>The message written so far.</summary>
    public byte[] ToArray() => buffer.WrittenSpan.ToArray();

    /// <summary>A varint field.</summary>
    public ProtoWriter Varint(int field, long value)
    {
        Key(field, 0);
        Raw((ulong)value);
        return this;
    }

    /// <summary>A 32-bit float field.</summary>
    public ProtoWriter Float(int field, float value)
    {
        Key(field, 5);
        BinaryPrimitives.WriteSingleLittleEndian(buffer.GetSpan(4), value);
        buffer.Advance(4);
        return this;
    }

    /// <summary>A length-delimited field.</summary>
    public ProtoWriter Bytes(int field, ReadOnlySpan<byte> bytes)
    {
        Key(field, 2);
        Raw((ulong)bytes.Length);
        buffer.Write(bytes);
        return this;
    }

    /// <summary>A string field.</summary>
    public ProtoWriter String(int field, string text) => Bytes(field, Encoding.UTF8.GetBytes(text));

    /// <summary>A nested message, written by <paramref name="write"/>.</summary>
    public ProtoWriter Message(int field, Action<ProtoWriter> write)
    {
        var inner = new ProtoWriter();
        write(inner);
        return Bytes(field, inner.buffer.WrittenSpan);
    }

    void Key(int field, int wire) => Raw(((ulong)field << 3) | (uint)wire);

    void Raw(ulong value)
    {
        while (value >= 0x80)
        {
            buffer.Write(new[] { (byte)(value | 0x80) });
            value >>= 7;
        }
        buffer.Write(new[] { (byte)value });
    }
}
