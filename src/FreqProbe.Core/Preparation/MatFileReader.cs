using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace FreqProbe.Core.Preparation;

/// <summary>A value read from a MAT-file: a numeric array, a string, a struct array or a cell array.</summary>
public abstract record MatValue;

/// <summary>A numeric array, values promoted to double, column-major.</summary>
public sealed record MatNumeric(int[] Dimensions, double[] Values) : MatValue;

/// <summary>A character array read as one string (column-major, which is left to right for a row).</summary>
public sealed record MatText(string Value) : MatValue;

/// <summary>A struct array: field names, and for each element (column-major) one value per field.</summary>
public sealed record MatStruct(int[] Dimensions, string[] FieldNames, MatValue[][] Elements) : MatValue
{
    /// <summary>Field <paramref name="name"/> of element <paramref name="index"/>, or null.</summary>
    public MatValue? Field(int index, string name) => Array.IndexOf(FieldNames, name) is int f and >= 0 ? Elements[index][f] : null;
}

/// <summary>A cell array, column-major.</summary>
public sealed record MatCell(int[] Dimensions, MatValue[] Values) : MatValue;

/// <summary>
/// A small reader for MATLAB level-5 MAT-files (the format of the ImageNet devkit's meta.mat): little-endian files,
/// plain or zlib-compressed (miCOMPRESSED) variables, numeric, char, struct and cell arrays. Written from the
/// published MAT-File Format description.
/// </summary>
public static class MatFileReader
{
    const int MiInt8 = 1, MiUInt8 = 2, MiInt16 = 3, MiUInt16 = 4, MiInt32 = 5, MiUInt32 = 6, MiSingle = 7, MiDouble = 9,
        MiInt64 = 12, MiUInt64 = 13, MiMatrix = 14, MiCompressed = 15, MiUtf8 = 16;
    const int MxCell = 1, MxStruct = 2, MxChar = 4;

    /// <summary>Reads every top-level variable of the file at <paramref name="path"/>.</summary>
    public static IReadOnlyDictionary<string, MatValue> Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 128 || bytes[126] != (byte)'I' || bytes[127] != (byte)'M')
        {
            throw new InputException($"{path}: not a little-endian MATLAB level-5 MAT-file (MATLAB v7.3/HDF5 files are not supported; re-save with -v7).");
        }
        var variables = new Dictionary<string, MatValue>(StringComparer.Ordinal);
        try
        {
            int offset = 128;
            while (offset + 8 <= bytes.Length)
            {
                (int type, ReadOnlyMemory<byte> data, int next) = Element(bytes, offset);
                offset = next;
                if (type == MiCompressed)
                {
                    using var zlib = new ZLibStream(new MemoryStream(data.ToArray()), CompressionMode.Decompress);
                    using var inflated = new MemoryStream();
                    zlib.CopyTo(inflated);
                    byte[] inner = inflated.ToArray();
                    (type, data, _) = Element(inner, 0);
                }
                if (type != MiMatrix) continue;
                (string name, MatValue value) = Matrix(data.Span);
                variables[name] = value;
            }
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException or InvalidDataException or FormatException)
        {
            throw new InputException($"{path}: corrupt MAT-file: {e.Message}", e);
        }
        return variables;
    }

    // One data element at `offset`: its type, its data and the offset of the next element (8-byte aligned).
    static (int Type, ReadOnlyMemory<byte> Data, int Next) Element(byte[] buffer, int offset)
    {
        uint first = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(offset));
        if ((first >> 16) != 0)
        {
            // Small data element: size in the upper half, up to 4 bytes of data in the tag's second word.
            int smallSize = (int)(first >> 16);
            return ((int)(first & 0xffff), buffer.AsMemory(offset + 4, smallSize), offset + 8);
        }
        int size = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(offset + 4)));
        int next = offset + 8 + size;
        if ((int)first != MiCompressed) next += (8 - size % 8) % 8;
        return ((int)first, buffer.AsMemory(offset + 8, size), next);
    }

    static (string Name, MatValue Value) Matrix(ReadOnlySpan<byte> data)
    {
        byte[] buffer = data.ToArray();
        int offset = 0;
        (_, ReadOnlyMemory<byte> flags, offset) = Element(buffer, offset);
        int mxClass = flags.Span[0];
        (int dimsType, ReadOnlyMemory<byte> dimsData, offset) = Element(buffer, offset);
        int[] dims = Numbers(dimsType, dimsData.Span).Select(d => (int)d).ToArray();
        (_, ReadOnlyMemory<byte> nameData, offset) = Element(buffer, offset);
        string name = Encoding.ASCII.GetString(nameData.Span);
        int count = dims.Aggregate(1, (a, b) => a * b);
        switch (mxClass)
        {
            case MxStruct:
            {
                (int lengthType, ReadOnlyMemory<byte> lengthData, offset) = Element(buffer, offset);
                int fieldLength = (int)Numbers(lengthType, lengthData.Span)[0];
                (_, ReadOnlyMemory<byte> namesData, offset) = Element(buffer, offset);
                int fields = fieldLength == 0 ? 0 : namesData.Length / fieldLength;
                string[] fieldNames = Enumerable.Range(0, fields)
                    .Select(f => Encoding.ASCII.GetString(namesData.Span.Slice(f * fieldLength, fieldLength)).TrimEnd('\0')).ToArray();
                var elements = new MatValue[count][];
                for (int e = 0; e < count; e++)
                {
                    elements[e] = new MatValue[fields];
                    for (int f = 0; f < fields; f++)
                    {
                        (_, ReadOnlyMemory<byte> fieldData, offset) = Element(buffer, offset);
                        elements[e][f] = Matrix(fieldData.Span).Value;
                    }
                }
                return (name, new MatStruct(dims, fieldNames, elements));
            }
            case MxCell:
            {
                var values = new MatValue[count];
                for (int e = 0; e < count; e++)
                {
                    (_, ReadOnlyMemory<byte> cellData, offset) = Element(buffer, offset);
                    values[e] = Matrix(cellData.Span).Value;
                }
                return (name, new MatCell(dims, values));
            }
            case MxChar:
            {
                if (count == 0) return (name, new MatText(""));
                (int type, ReadOnlyMemory<byte> chars, _) = Element(buffer, offset);
                string text = type == MiUtf8 || type == MiUInt8 || type == MiInt8
                    ? Encoding.UTF8.GetString(chars.Span)
                    : new string(Numbers(type, chars.Span).Select(c => (char)c).ToArray());
                return (name, new MatText(text));
            }
            default:
            {
                if (count == 0) return (name, new MatNumeric(dims, Array.Empty<double>()));
                (int type, ReadOnlyMemory<byte> real, _) = Element(buffer, offset);
                return (name, new MatNumeric(dims, Numbers(type, real.Span)));
            }
        }
    }

    static double[] Numbers(int type, ReadOnlySpan<byte> data)
    {
        int size = type switch
        {
            MiInt8 or MiUInt8 or MiUtf8 => 1,
            MiInt16 or MiUInt16 => 2,
            MiInt32 or MiUInt32 or MiSingle => 4,
            MiDouble or MiInt64 or MiUInt64 => 8,
            _ => throw new InvalidDataException($"unsupported data type {type}"),
        };
        var values = new double[data.Length / size];
        for (int i = 0; i < values.Length; i++)
        {
            ReadOnlySpan<byte> v = data.Slice(i * size, size);
            values[i] = type switch
            {
                MiInt8 => (sbyte)v[0],
                MiUInt8 or MiUtf8 => v[0],
                MiInt16 => BinaryPrimitives.ReadInt16LittleEndian(v),
                MiUInt16 => BinaryPrimitives.ReadUInt16LittleEndian(v),
                MiInt32 => BinaryPrimitives.ReadInt32LittleEndian(v),
                MiUInt32 => BinaryPrimitives.ReadUInt32LittleEndian(v),
                MiSingle => BinaryPrimitives.ReadSingleLittleEndian(v),
                MiDouble => BinaryPrimitives.ReadDoubleLittleEndian(v),
                MiInt64 => BinaryPrimitives.ReadInt64LittleEndian(v),
                _ => BinaryPrimitives.ReadUInt64LittleEndian(v),
            };
        }
        return values;
    }
}
