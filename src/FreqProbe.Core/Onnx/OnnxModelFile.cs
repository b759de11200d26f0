using System.Buffers.Binary;
using System.Globalization;

namespace FreqProbe.Core.Onnx;

/// <summary>
/// What FreqProbe reads of an ONNX file itself (ONNX Runtime runs it): whether a file is one, its graph's nodes,
/// inputs and outputs, and its initializers, with external data checked to stay inside the model's folder. ONNX
/// Runtime's .NET API exposes no initializer values, and the maintained readers are whole protobuf stacks; an ONNX file
/// is a handful of protobuf messages, so this reads the fields it needs and skips the rest.
/// </summary>
public sealed class OnnxModelFile
{
    // ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto field numbers (onnx/onnx.proto3).
    const int ModelIrVersion = 1, ModelGraph = 7, ModelOpset = 8;
    const int GraphNode = 1, GraphInitializer = 5, GraphInput = 11, GraphOutput = 12;
    const int NodeInput = 1, NodeOutput = 2, NodeName = 3, NodeOpType = 4;
    const int TensorDims = 1, TensorDataType = 2, TensorFloatData = 4, TensorDoubleData = 10, TensorName = 8, TensorRawData = 9, TensorExternal = 13, TensorLocation = 14;

    /// <summary>ONNX's element types FreqProbe reads as weights.</summary>
    public const int Float = 1, Double = 11;

    /// <summary>The largest file read whole (protobuf's own limit is 2 GiB; bigger models keep their weights as external data).</summary>
    const long MaxFile = int.MaxValue;

    OnnxModelFile(string path, long irVersion, IReadOnlyList<(string Domain, long Version)> opsets, IReadOnlyList<Node> nodes,
        IReadOnlyList<Initializer> initializers, IReadOnlyList<Value> inputs, IReadOnlyList<Value> outputs)
    {
        Path = path;
        IrVersion = irVersion;
        Opsets = opsets;
        Nodes = nodes;
        Initializers = initializers;
        Inputs = inputs;
        Outputs = outputs;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The ONNX IR version.</summary>
    public long IrVersion { get; }

    /// <summary>Operator sets by domain ("" is ONNX's own).</summary>
    public IReadOnlyList<(string Domain, long Version)> Opsets { get; }

    /// <summary>The graph's nodes in file order.</summary>
    public IReadOnlyList<Node> Nodes { get; }

    /// <summary>The graph's initializers (weights).</summary>
    public IReadOnlyList<Initializer> Initializers { get; }

    /// <summary>Graph inputs that are not initializers.</summary>
    public IReadOnlyList<Value> Inputs { get; }

    /// <summary>Graph outputs.</summary>
    public IReadOnlyList<Value> Outputs { get; }

    /// <summary>A node: its operator, name, inputs and outputs.</summary>
    public sealed record Node(string OpType, string Name, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs);

    /// <summary>A graph input or output: its element type and dimensions (a name for a symbolic one, null for none).</summary>
    public sealed record Value(string Name, int ElementType, IReadOnlyList<(long Size, string? Symbol)>? Dims);

    /// <summary>
    /// An initializer: name, dims, element type, and where its bytes are: in the file (<see cref="Offset"/>,
    /// <see cref="Length"/> into <see cref="Source"/>) or as a float list in the message.
    /// </summary>
    public sealed record Initializer(string Name, IReadOnlyList<long> Dims, int DataType, string Source, long Offset, long Length, float[]? Floats, double[]? Doubles)
    {
        /// <summary>Its values as float32 (float and double initializers), read from the file where they are kept.</summary>
        public float[] ReadFloats()
        {
            if (Floats is not null) return Floats;
            if (Doubles is not null) return Array.ConvertAll(Doubles, d => (float)d);
            long count = Dims.Aggregate(1L, (a, b) => a * b);
            int size = DataType == Double ? 8 : 4;
            if (count * size != Length)
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"initializer '{Name}' holds {Length} bytes for dims [{string.Join(", ", Dims)}] ({count * size} expected)"));
            }
            byte[] bytes = new byte[Length];
            using (var file = new FileStream(Source, FileMode.Open, FileAccess.Read, FileShare.Read))
            {
                file.Seek(Offset, SeekOrigin.Begin);
                file.ReadExactly(bytes);
            }
            var values = new float[count];
            for (long i = 0; i < count; i++)
            {
                values[i] = DataType == Double ? (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan((int)(i * 8)))
                    : BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(i * 4)));
            }
            return values;
        }
    }

    /// <summary>
    /// Whether <paramref name="path"/> starts as an ONNX model does: protobuf field 1 (ir_version, a small number)
    /// followed by another field of ModelProto. Judged by content, never the extension; false for anything unreadable.
    /// </summary>
    public static bool Is(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length < 4) return false;
            byte[] head = new byte[(int)Math.Min(64, info.Length)];
            using (FileStream file = File.OpenRead(path)) file.ReadExactly(head);
            var reader = new ProtoReader(head);
            if (!reader.Next(out int field, out int wire) || field != ModelIrVersion || wire != 0) return false;
            ulong ir = reader.Varint();
            if (ir is < 3 or > 64) return false;
            return reader.Next(out int second, out int secondWire) && second is >= 2 and <= 25 && secondWire is 0 or 2;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return false;
        }
    }

    /// <summary>Why <paramref name="path"/> is not an ONNX model, in words.</summary>
    public static string WhyNot(string path)
    {
        try
        {
            byte[] head = new byte[4];
            using (FileStream file = File.OpenRead(path)) _ = file.Read(head);
            return head[0] == 'P' && head[1] == 'K' ? "it is a zip archive (TorchScript or a torch.save state dict), not an ONNX protobuf"
                : head[0] == 0x80 ? "it is a Python pickle, not an ONNX protobuf"
                : "it does not start as an ONNX model (protobuf field 1, ir_version)";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"it cannot be read ({e.Message})";
        }
    }

    /// <summary>
    /// Reads and checks the ONNX file at <paramref name="path"/>: its structure, and every external-data reference
    /// (a relative path inside the model's folder, no symlink out of it, offset and length within the file). A damaged
    /// or hostile file raises an <see cref="InputException"/> for the weights setting naming the file.
    /// </summary>
    public static OnnxModelFile Read(string path)
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (info.Length > MaxFile)
            {
                throw new InputException("weights", $"'{path}' is {info.Length} bytes, more than protobuf's 2 GiB; expected an ONNX model whose weights beyond that " +
                    "are external data (torch.onnx.export writes them so for large models).");
            }
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException("weights", $"'{path}' cannot be read: {e.Message}", e);
        }
        try
        {
            return Parse(bytes, path);
        }
        catch (FormatException e)
        {
            throw new InputException("weights", $"'{path}' is a damaged ONNX model ({e.Message}; a truncated copy?); expected a whole ONNX file " +
                "(torch.onnx.export, scripts/export_model.py --format onnx).", e);
        }
    }

    static OnnxModelFile Parse(byte[] bytes, string path)
    {
        var reader = new ProtoReader(bytes);
        long ir = -1;
        var opsets = new List<(string, long)>();
        var nodes = new List<Node>();
        var initializers = new List<Initializer>();
        var inputs = new List<Value>();
        var outputs = new List<Value>();
        bool graph = false;
        string folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        while (reader.Next(out int field, out int wire))
        {
            if (field == ModelIrVersion && wire == 0) ir = (long)reader.Varint();
            else if (field == ModelOpset && wire == 2) opsets.Add(Opset(reader.Bytes()));
            else if (field == ModelGraph && wire == 2)
            {
                graph = true;
                ReadOnlySpan<byte> message = reader.Bytes(out long start);
                ParseGraph(message, start, bytes, path, folder, nodes, initializers, inputs, outputs);
            }
            else reader.Skip(wire);
        }
        if (ir < 0 || !graph) throw new FormatException(ir < 0 ? "no ir_version" : "no graph");
        var initialised = initializers.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        return new OnnxModelFile(path, ir, opsets, nodes, initializers, inputs.Where(i => !initialised.Contains(i.Name)).ToList(), outputs);
    }

    static (string, long) Opset(ReadOnlySpan<byte> message)
    {
        var reader = new ProtoReader(message);
        string domain = "";
        long version = 0;
        while (reader.Next(out int field, out int wire))
        {
            if (field == 1 && wire == 2) domain = reader.String();
            else if (field == 2 && wire == 0) version = (long)reader.Varint();
            else reader.Skip(wire);
        }
        return (domain, version);
    }

    static void ParseGraph(ReadOnlySpan<byte> message, long origin, byte[] file, string path, string folder, List<Node> nodes, List<Initializer> initializers,
        List<Value> inputs, List<Value> outputs)
    {
        var reader = new ProtoReader(message, origin);
        while (reader.Next(out int field, out int wire))
        {
            if (wire != 2 || field is not (GraphNode or GraphInitializer or GraphInput or GraphOutput))
            {
                reader.Skip(wire);
                continue;
            }
            ReadOnlySpan<byte> inner = reader.Bytes(out long start);
            switch (field)
            {
                case GraphNode: nodes.Add(ParseNode(inner, start)); break;
                case GraphInitializer: initializers.Add(ParseTensor(inner, start, path, folder)); break;
                case GraphInput: inputs.Add(ParseValue(inner, start)); break;
                default: outputs.Add(ParseValue(inner, start)); break;
            }
        }
    }

    static Node ParseNode(ReadOnlySpan<byte> message, long origin)
    {
        var reader = new ProtoReader(message, origin);
        var inputs = new List<string>();
        var outputs = new List<string>();
        string name = "", op = "";
        while (reader.Next(out int field, out int wire))
        {
            if (wire != 2) reader.Skip(wire);
            else if (field == NodeInput) inputs.Add(reader.String());
            else if (field == NodeOutput) outputs.Add(reader.String());
            else if (field == NodeName) name = reader.String();
            else if (field == NodeOpType) op = reader.String();
            else reader.Skip(wire);
        }
        return new Node(op, name, inputs, outputs);
    }

    // ValueInfoProto { 1 name, 2 TypeProto { 1 Tensor { 1 elem_type, 2 TensorShapeProto { 1 Dimension { 1 dim_value, 2 dim_param } } } } }
    static Value ParseValue(ReadOnlySpan<byte> message, long origin)
    {
        var reader = new ProtoReader(message, origin);
        string name = "";
        int element = 0;
        List<(long, string?)>? dims = null;
        while (reader.Next(out int field, out int wire))
        {
            if (field == 1 && wire == 2) name = reader.String();
            else if (field == 2 && wire == 2)
            {
                var type = new ProtoReader(reader.Bytes(out long typeStart), typeStart);
                while (type.Next(out int typeField, out int typeWire))
                {
                    if (typeField != 1 || typeWire != 2)
                    {
                        type.Skip(typeWire);
                        continue;
                    }
                    var tensor = new ProtoReader(type.Bytes(out long tensorStart), tensorStart);
                    while (tensor.Next(out int tensorField, out int tensorWire))
                    {
                        if (tensorField == 1 && tensorWire == 0) element = (int)tensor.Varint();
                        else if (tensorField == 2 && tensorWire == 2)
                        {
                            dims = new List<(long, string?)>();
                            var shape = new ProtoReader(tensor.Bytes(out long shapeStart), shapeStart);
                            while (shape.Next(out int shapeField, out int shapeWire))
                            {
                                if (shapeField != 1 || shapeWire != 2)
                                {
                                    shape.Skip(shapeWire);
                                    continue;
                                }
                                var dim = new ProtoReader(shape.Bytes(out long dimStart), dimStart);
                                long size = -1;
                                string? symbol = null;
                                while (dim.Next(out int dimField, out int dimWire))
                                {
                                    if (dimField == 1 && dimWire == 0) size = (long)dim.Varint();
                                    else if (dimField == 2 && dimWire == 2) symbol = dim.String();
                                    else dim.Skip(dimWire);
                                }
                                dims.Add((size, symbol ?? (size < 0 ? "?" : null)));
                            }
                        }
                        else tensor.Skip(tensorWire);
                    }
                }
            }
            else reader.Skip(wire);
        }
        return new Value(name, element, dims);
    }

    static Initializer ParseTensor(ReadOnlySpan<byte> message, long origin, string path, string folder)
    {
        var reader = new ProtoReader(message, origin);
        var dims = new List<long>();
        var floats = new List<float>();
        var doubles = new List<double>();
        string name = "";
        int type = 0;
        long rawOffset = -1, rawLength = 0;
        bool external = false;
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Next(out int field, out int wire))
        {
            switch (field)
            {
                case TensorDims: reader.Int64s(wire, dims); break;
                case TensorDataType when wire == 0: type = (int)reader.Varint(); break;
                case TensorFloatData: reader.Floats(wire, floats); break;
                case TensorDoubleData when wire == 2:
                    ReadOnlySpan<byte> packed = reader.Bytes();
                    for (int i = 0; i + 8 <= packed.Length; i += 8) doubles.Add(BinaryPrimitives.ReadDoubleLittleEndian(packed[i..]));
                    break;
                case TensorName when wire == 2: name = reader.String(); break;
                case TensorRawData when wire == 2:
                    rawLength = reader.Bytes(out rawOffset).Length;
                    break;
                case TensorExternal when wire == 2:
                    var entry = new ProtoReader(reader.Bytes(out long entryStart), entryStart);
                    string key = "", value = "";
                    while (entry.Next(out int entryField, out int entryWire))
                    {
                        if (entryField == 1 && entryWire == 2) key = entry.String();
                        else if (entryField == 2 && entryWire == 2) value = entry.String();
                        else entry.Skip(entryWire);
                    }
                    entries[key] = value;
                    break;
                case TensorLocation when wire == 0: external = reader.Varint() == 1; break;
                default: reader.Skip(wire); break;
            }
        }
        if (dims.Any(d => d < 0)) throw new FormatException($"initializer '{name}' has a negative dimension");
        if (external)
        {
            (string source, long offset, long length) = External(entries, name, path, folder);
            return new Initializer(name, dims, type, source, offset, length, null, null);
        }
        return new Initializer(name, dims, type, path, rawOffset, rawLength,
            rawOffset < 0 && type == Float ? floats.ToArray() : null, rawOffset < 0 && type == Double ? doubles.ToArray() : null);
    }

    // An external-data reference must name a file inside the model's folder (relative, no '..', no symlink leading out)
    // and a byte range inside that file.
    static (string Source, long Offset, long Length) External(Dictionary<string, string> entries, string name, string path, string folder)
    {
        string location = entries.GetValueOrDefault("location", "");
        string Refuse(string why) => throw new InputException("weights", $"'{path}': initializer '{name}' keeps its data in '{location}', {why}; " +
            "expected external data in a file inside the model's folder (as torch.onnx.export and onnx.save write it).");
        if (location.Length == 0) Refuse("an empty location");
        if (System.IO.Path.IsPathRooted(location)) Refuse("an absolute path");
        if (location.Replace('\\', '/').Split('/').Any(part => part == "..")) Refuse("a path out of the model's folder ('..')");
        string full = System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, location));
        string realFolder = RealPath(folder);
        if (!File.Exists(full)) Refuse("which does not exist");
        string real = RealPath(full);
        if (!real.StartsWith(realFolder.TrimEnd('/') + "/", StringComparison.Ordinal)) Refuse($"which leads out of the model's folder (to '{real}')");
        long offset = Number(entries, "offset", 0, path, name);
        long size = new FileInfo(real).Length;
        long length = Number(entries, "length", size - offset, path, name);
        if (offset < 0 || length < 0 || offset > size || length > size - offset)
        {
            Refuse(string.Create(CultureInfo.InvariantCulture, $"bytes {offset}..{offset + length} of a file of {size} bytes"));
        }
        return (real, offset, length);
    }

    static long Number(Dictionary<string, string> entries, string key, long fallback, string path, string name)
    {
        if (!entries.TryGetValue(key, out string? text)) return fallback;
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value) ? value
            : throw new InputException("weights", $"'{path}': initializer '{name}' has external-data {key} '{text}'; expected a whole number of bytes.");
    }

    // The path with every symlink resolved (libc realpath: the file's and its folders').
    static string RealPath(string path)
    {
        IntPtr resolved = Native.LibC.RealPath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero) return System.IO.Path.GetFullPath(path);
        try
        {
            return System.Runtime.InteropServices.Marshal.PtrToStringUTF8(resolved)!;
        }
        finally
        {
            Native.LibC.Free(resolved);
        }
    }
}
