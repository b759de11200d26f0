using System.Globalization;
using System.Security.Cryptography;
using FreqProbe.Core.Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FreqProbe.Core.Models;

/// <summary>
/// Writes the ONNX graph of a native ResNet (torchvision's, and the CIFAR ResNets), BatchNorm folded, so that ONNX
/// Runtime can run FreqProbe's own architectures with the user's weights. The graph's initializers keep the state
/// dict's names (<c>layer1.0.conv1.weight</c>, and the bias folding gives it), so that the verification can load them back
/// into the native model and compare the two engines. Graphs are kept in the cache, named by a SHA-256 of the folded
/// weights, the input size and this writer's version.
/// </summary>
public static class NativeOnnxGraph
{
    // Bumped whenever the graph written for the same weights changes, so that cached graphs are written again.
    const string WriterVersion = "freqprobe-native-onnx/1";
    const int Opset = 17, IrVersion = 8;
    const int FloatType = 1, AttributeFloat = 1, AttributeInt = 2, AttributeInts = 7;

    /// <summary>Why <paramref name="model"/> has no ONNX graph (an ODConv bank, or an architecture the writer does not know), or null when it has one.</summary>
    public static string? WhyNot(nn.Module<Tensor, Tensor> model) => model switch
    {
        _ when model.modules().Any(m => m is IDynamicConvolution) => "its dynamic convolutions (ODConv, FDConv) compute per-image kernels, which the ONNX graph writer does not express",
        ResNet or CifarResNet => null,
        _ => $"FreqProbe writes ONNX graphs of its ResNets only, not of {model.GetType().Name}",
    };

    /// <summary>
    /// The cached graph of <paramref name="model"/> (on the CPU, fp32; its BatchNorms are folded here if they are not
    /// yet) for <paramref name="inputSize"/>-pixel inputs under <paramref name="cacheRoot"/>, written first when missing.
    /// </summary>
    public static string Cached(nn.Module<Tensor, Tensor> model, string name, int inputSize, string cacheRoot, Action<string>? notice)
    {
        if (WhyNot(model) is { } why) throw new InvalidOperationException(why);
        BatchNormFolding.Fold(model);
        List<(string Name, Tensor Value)> weights = Weights(model);
        string digest = Digest(weights, name, inputSize);
        string folder = Path.Combine(cacheRoot, "onnx");
        string path = Path.Combine(folder, $"{name}-{inputSize}-{digest[..16]}.onnx");
        if (File.Exists(path)) return path;
        Directory.CreateDirectory(folder);
        byte[] graph = Write(model, weights, name, inputSize);
        IO.AtomicFile.Write(path, stream => stream.Write(graph));
        notice?.Invoke(string.Create(CultureInfo.InvariantCulture, $"wrote the ONNX graph of {name} ({graph.Length / 1e6:0.0} MB, BatchNorm folded) to {path}"));
        return path;
    }

    // The convolutions' and the classifier's weights and biases: all a folded ResNet computes with (the folded
    // BatchNorms' own parameters are not used any more).
    static List<(string Name, Tensor Value)> Weights(nn.Module<Tensor, Tensor> model) =>
        ComputingParameters(model).Select(p => (p.Name, (Tensor)p.Parameter)).ToList();

    static IEnumerable<(string Name, Parameter Parameter)> ComputingParameters(nn.Module<Tensor, Tensor> model)
    {
        var owners = model.named_modules().Where(m => m.module is PlannedConv2d or Linear).Select(m => m.name).ToHashSet(StringComparer.Ordinal);
        return model.named_parameters().Where(p => owners.Contains(p.name[..Math.Max(0, p.name.LastIndexOf('.'))])).Select(p => (p.name, p.parameter));
    }

    static string Digest(List<(string Name, Tensor Value)> weights, string name, int inputSize)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{WriterVersion}\n{name}\n{inputSize}\n"));
        foreach ((string key, Tensor value) in weights)
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{key} [{string.Join(",", value.shape)}]\n"));
            using Tensor data = value.detach().cpu().contiguous();
            hash.AppendData(data.bytes);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    static byte[] Write(nn.Module<Tensor, Tensor> model, List<(string Name, Tensor Value)> weights, string name, int inputSize)
    {
        Dictionary<string, nn.Module> modules = model.named_modules().ToDictionary(m => m.name, m => m.module, StringComparer.Ordinal);
        var nodes = new List<Action<ProtoWriter>>();
        int count = 0;
        string Node(string op, string[] inputs, params (string Name, object Value)[] attributes)
        {
            string output = $"{op.ToLowerInvariant()}_{count++}";
            nodes.Add(w =>
            {
                foreach (string input in inputs) w.String(1, input);
                w.String(2, output);
                w.String(3, output);
                w.String(4, op);
                foreach ((string key, object value) in attributes) w.Message(5, a => Attribute(a, key, value));
            });
            return output;
        }
        string Conv(string layer, string x)
        {
            var conv = (PlannedConv2d)modules[layer];
            long k = conv.Weight.shape[2];
            var inputs = conv.Bias is null ? new[] { x, layer + ".weight" } : new[] { x, layer + ".weight", layer + ".bias" };
            return Node("Conv", inputs, ("kernel_shape", new[] { k, k }), ("strides", new[] { conv.Stride, conv.Stride }),
                ("pads", new[] { conv.Padding, conv.Padding, conv.Padding, conv.Padding }), ("dilations", new[] { 1L, 1L }), ("group", conv.Groups));
        }
        string Relu(string x) => Node("Relu", new[] { x });

        string y = Relu(Conv("conv1", "images"));
        if (modules.ContainsKey("maxpool"))
        {
            y = Node("MaxPool", new[] { y }, ("kernel_shape", new[] { 3L, 3 }), ("strides", new[] { 2L, 2 }), ("pads", new[] { 1L, 1, 1, 1 }));
        }
        for (int stage = 1; modules.ContainsKey($"layer{stage}"); stage++)
        {
            for (int block = 0; modules.ContainsKey($"layer{stage}.{block}"); block++)
            {
                string prefix = $"layer{stage}.{block}.";
                string shortcut = modules.ContainsKey(prefix + "downsample.0") ? Conv(prefix + "downsample.0", y) : y;
                string z = Relu(Conv(prefix + "conv1", y));
                if (modules.ContainsKey(prefix + "conv3")) z = Conv(prefix + "conv3", Relu(Conv(prefix + "conv2", z)));
                else z = Conv(prefix + "conv2", z);
                y = Relu(Node("Add", new[] { z, shortcut }));
            }
        }
        y = Node("Flatten", new[] { Node("GlobalAveragePool", new[] { y }) }, ("axis", 1L));
        var fc = (Linear)modules["fc"];
        long classes = fc.weight!.shape[0];
        string logits = Node("Gemm", new[] { y, "fc.weight", "fc.bias" }, ("alpha", 1f), ("beta", 1f), ("transB", 1L));
        nodes.Add(w => w.String(1, logits).String(2, "logits").String(3, "logits").String(4, "Identity"));

        return new ProtoWriter()
            .Varint(1, IrVersion)
            .String(2, "freqprobe")
            .String(3, WriterVersion)
            .Message(7, g =>
            {
                foreach (Action<ProtoWriter> node in nodes) g.Message(1, node);
                g.String(2, name);
                foreach ((string key, Tensor value) in weights)
                {
                    using Tensor data = value.detach().cpu().to(ScalarType.Float32).contiguous();
                    g.Message(5, t =>
                    {
                        foreach (long d in data.shape) t.Varint(1, d);
                        t.Varint(2, FloatType).String(8, key).Bytes(9, data.bytes);
                    });
                }
                g.Message(11, v => Value(v, "images", new long[] { -1, 3, inputSize, inputSize }));
                g.Message(12, v => Value(v, "logits", new long[] { -1, classes }));
            })
            .Message(8, o => o.String(1, "").Varint(2, Opset))
            .ToArray();
    }

    static void Attribute(ProtoWriter a, string name, object value)
    {
        a.String(1, name);
        switch (value)
        {
            case long i: a.Varint(3, i).Varint(20, AttributeInt); break;
            case float f: a.Float(2, f).Varint(20, AttributeFloat); break;
            case long[] list:
                foreach (long i in list) a.Varint(8, i);
                a.Varint(20, AttributeInts);
                break;
            default: throw new ArgumentException($"attribute {name}: {value.GetType().Name}", nameof(value));
        }
    }

    // A float tensor value whose -1 dims are the symbolic batch N.
    static void Value(ProtoWriter v, string name, long[] dims) =>
        v.String(1, name).Message(2, type => type.Message(1, tensor => tensor
            .Varint(1, FloatType)
            .Message(2, shape =>
            {
                foreach (long d in dims) shape.Message(1, dim => _ = d < 0 ? dim.String(2, "N") : dim.Varint(1, d));
            })));

    /// <summary>
    /// The native model of <paramref name="spec"/> with <paramref name="classes"/> outputs, BatchNorm folded, carrying the
    /// weights of the graph at <paramref name="graphPath"/> (for the verification's float64 reference of the other engine).
    /// </summary>
    public static nn.Module<Tensor, Tensor> LoadBack(ModelSpec spec, int classes, string graphPath)
    {
        nn.Module<Tensor, Tensor> model = spec.Create(classes);
        BatchNormFolding.Fold(model);
        Dictionary<string, OnnxModelFile.Initializer> initializers = OnnxModelFile.Read(graphPath).Initializers.ToDictionary(i => i.Name, StringComparer.Ordinal);
        using var noGrad = no_grad();
        foreach ((string key, Parameter parameter) in ComputingParameters(model))
        {
            if (!initializers.TryGetValue(key, out OnnxModelFile.Initializer? init)) throw new InvalidDataException($"'{graphPath}' has no initializer {key}");
            using Tensor value = tensor(init.ReadFloats(), init.Dims.ToArray());
            parameter.copy_(value);
        }
        model.eval();
        return model;
    }
}
