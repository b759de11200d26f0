using System.Text.Json;
using FreqProbe.Core.Models;
using FreqProbe.Core.Onnx;
using FreqProbe.Core.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Models;

/// <summary>ONNX files: reading, hostile files, the fixtures of scripts/make_onnx_fixtures.py, and FreqProbe's own ResNet graphs.</summary>
public sealed class OnnxModelTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    public static TheoryData<string> Fixtures => new("tiny-vit", "tiny-convnext", "tiny-bottleneck", "tiny-bottleneck-imagenet");

    static JsonElement Expected(string model) =>
        JsonDocument.Parse(File.ReadAllText(SharedData.Fixture("onnx/expected.json"))).RootElement.GetProperty("models").GetProperty(model);

    static string Fixture(string model) => SharedData.Fixture($"onnx/{model}.onnx");

    static float[] Values(JsonElement element, string name) => element.GetProperty(name).EnumerateArray().Select(e => e.GetDouble()).Select(d => (float)d).ToArray();

    // The fixed input x[i] = frac(0.618034 i) of the fixtures, normalised with the card's mean and std.
    static Tensor FixedInput(string model)
    {
        using JsonDocument card = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(Fixture(model), ".card.json")));
        int size = card.RootElement.GetProperty("input_size").GetInt32();
        var x = new float[4 * 3 * size * size];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(i * 0.618034 % 1.0);
        Tensor mean = tensor(Values(card.RootElement, "mean"), new long[] { 1, 3, 1, 1 });
        Tensor std = tensor(Values(card.RootElement, "std"), new long[] { 1, 3, 1, 1 });
        return (tensor(x, new long[] { 4, 3, size, size }) - mean) / std;
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void ONNX_Runtime_gives_PyTorchs_logits_for_every_exported_fixture(string model)
    {
        Assert.True(OnnxModelFile.Is(Fixture(model)));
        using OnnxNetwork network = OnnxNetwork.Open(Fixture(model), threads: 2);
        using Tensor logits = network.forward(FixedInput(model));
        float[] expected = Expected(model).GetProperty("logits").EnumerateArray().SelectMany(row => row.EnumerateArray()).Select(e => (float)e.GetDouble()).ToArray();
        float[] actual = logits.data<float>().ToArray();
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(1, expected.Max(Math.Abs));
        double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= 1e-4 * scale, $"{model}: max |logit - PyTorch| = {worst:g3}");
    }

    [Fact]
    public void The_input_tensor_is_handed_over_without_a_copy_and_a_strided_one_is_made_contiguous_first()
    {
        using OnnxNetwork network = OnnxNetwork.Open(Fixture("tiny-bottleneck"), threads: 1);
        using Tensor x = FixedInput("tiny-bottleneck");
        using Tensor contiguous = network.forward(x);
        // The same images as a channels-last view (strided): the network copies them to NCHW before handing them over.
        using Tensor strided = network.forward(MemoryLayout.ChannelsLast(x));
        Assert.Equal(contiguous.data<float>().ToArray(), strided.data<float>().ToArray());
        // A view into a larger buffer (an offset row) hands over its own rows, not the buffer's first ones.
        using Tensor two = network.forward(x.narrow(0, 2, 2));
        Assert.Equal(contiguous.narrow(0, 2, 2).contiguous().data<float>().ToArray(), two.data<float>().ToArray());
    }

    [Fact]
    public void Truncated_files_are_input_errors_naming_the_file_and_other_files_are_not_onnx()
    {
        byte[] whole = File.ReadAllBytes(Fixture("tiny-bottleneck"));
        foreach (int length in new[] { 40, 200, 1000, whole.Length / 2, whole.Length - 1 })
        {
            string path = dir.File($"cut-{length}.onnx");
            File.WriteAllBytes(path, whole[..length]);
            Assert.True(OnnxModelFile.Is(path), $"{length} bytes: a truncated ONNX file still starts as one");
            InputException e = Assert.Throws<InputException>(() => OnnxModelFile.Read(path));
            Assert.Contains($"'{path}' is a damaged ONNX model", e.Message, StringComparison.Ordinal);
        }
        File.WriteAllBytes(dir.File("noise.bin"), Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 % 251)).ToArray());
        File.WriteAllBytes(dir.File("pickle.pth"), new byte[] { 0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e });
        File.WriteAllText(dir.File("text.onnx"), "ir_version: 8\ngraph { }\n");
        foreach (string name in new[] { "noise.bin", "pickle.pth", "text.onnx" }) Assert.False(OnnxModelFile.Is(dir.File(name)), name);
        Assert.Contains("pickle", OnnxModelFile.WhyNot(dir.File("pickle.pth")), StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Speed", "slow")]
    public void Damaged_copies_are_read_or_refused_as_input_errors_never_anything_else()
    {
        byte[] whole = File.ReadAllBytes(Fixture("tiny-bottleneck"));
        var random = new Random(20261205);
        for (int trial = 0; trial < 300; trial++)
        {
            byte[] copy = (byte[])whole.Clone();
            for (int flips = random.Next(1, 8); flips > 0; flips--) copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
            string path = dir.File("flipped.onnx");
            File.WriteAllBytes(path, copy);
            try
            {
                OnnxModelFile.Read(path);
            }
            catch (InputException e)
            {
                Assert.Contains(path, e.Message, StringComparison.Ordinal);
            }
        }
    }

    // A small model whose convolution weight [2, 3, 3, 3] lives in external data at `location`: images [N, 3, 4, 4] in, [N, 2] out.
    string ExternalDataModel(string name, string location, long? length = null)
    {
        byte[] model = new ProtoWriter()
            .Varint(1, 8)
            .Message(7, g =>
            {
                g.Message(1, n => n.String(1, "images").String(1, "w").String(2, "y").String(4, "Conv"));
                g.Message(1, n => n.String(1, "y").String(2, "p").String(4, "GlobalAveragePool"));
                g.Message(1, n => n.String(1, "p").String(2, "logits").String(4, "Flatten"));
                g.String(2, "external");
                g.Message(5, t =>
                {
                    foreach (long d in new long[] { 2, 3, 3, 3 }) t.Varint(1, d);
                    t.Varint(2, 1).String(8, "w");
                    t.Message(13, e => e.String(1, "location").String(2, location));
                    if (length is { } l) t.Message(13, e => e.String(1, "length").String(2, l.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                    t.Varint(14, 1);
                });
                g.Message(11, v => v.String(1, "images").Message(2, ty => ty.Message(1, te => te.Varint(1, 1).Message(2, s =>
                {
                    s.Message(1, d => d.String(2, "N"));
                    foreach (long d in new long[] { 3, 4, 4 }) s.Message(1, dim => dim.Varint(1, d));
                }))));
                g.Message(12, v => v.String(1, "logits").Message(2, ty => ty.Message(1, te => te.Varint(1, 1).Message(2, s =>
                {
                    s.Message(1, d => d.String(2, "N"));
                    s.Message(1, d => d.Varint(1, 2));
                }))));
            })
            .Message(8, o => o.String(1, "").Varint(2, 17))
            .ToArray();
        string path = dir.File(name);
        File.WriteAllBytes(path, model);
        return path;
    }

    [Fact]
    public void External_data_inside_the_models_folder_loads_and_runs()
    {
        File.WriteAllBytes(dir.File("w.bin"), Enumerable.Range(0, 54).SelectMany(i => BitConverter.GetBytes(i / 54f)).ToArray());
        string path = ExternalDataModel("good.onnx", "w.bin");
        OnnxModelFile.Initializer w = Assert.Single(OnnxModelFile.Read(path).Initializers);
        Assert.Equal(53 / 54f, w.ReadFloats()[53]);
        using OnnxNetwork network = OnnxNetwork.Open(path, threads: 1);
        using Tensor logits = network.forward(ones(1, 3, 4, 4));
        // Each output channel sums its 27 weights over the interior (zero padding absent: a 2x2 output of a 4x4 input).
        float first = Enumerable.Range(0, 27).Sum(i => i / 54f), second = Enumerable.Range(27, 27).Sum(i => i / 54f);
        Assert.Equal(first, logits[0, 0].item<float>(), 4);
        Assert.Equal(second, logits[0, 1].item<float>(), 4);
    }

    [Theory]
    [InlineData("../../etc/passwd", "a path out of the model's folder ('..')")]
    [InlineData("/etc/passwd", "an absolute path")]
    [InlineData("link.bin", "which leads out of the model's folder")]
    [InlineData("short.bin", "bytes 0..216 of a file of 10 bytes")]
    [InlineData("missing.bin", "which does not exist")]
    public void External_data_that_escapes_the_folder_or_its_file_is_refused_naming_the_file(string location, string why)
    {
        File.WriteAllBytes(dir.File("short.bin"), new byte[10]);
        File.CreateSymbolicLink(dir.File("link.bin"), "/etc/hostname");
        string path = ExternalDataModel("hostile.onnx", location, location == "short.bin" ? 216 : null);
        InputException e = Assert.Throws<InputException>(() => OnnxNetwork.Open(path, threads: 1));
        Assert.Contains($"'{path}': initializer 'w' keeps its data in '{location}', {why}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Kernels_read_the_convolution_initializers_named_after_their_nodes()
    {
        using OnnxNetwork network = OnnxNetwork.Open(Fixture("tiny-bottleneck"), threads: 1);
        var weights = new OnnxKind().NamedWeights(network).ToList();
        var kernels = weights.Where(w => w.Value.dim() == 4).ToList();
        // The stem, three convolutions and a downsample in each of the two Bottleneck blocks.
        Assert.Equal(9, kernels.Count);
        Assert.Contains(kernels, k => k.Name == "/conv1/Conv.weight" && k.Value.shape.SequenceEqual(new long[] { 16, 3, 3, 3 }));
        Assert.Contains(weights, w => w.Name == "fc.weight" && w.Value.shape.SequenceEqual(new long[] { 10, 64 }));
    }

    [Theory]
    [InlineData("cifar-resnet20", 32)]
    [InlineData("resnet18", 64)]
    [InlineData("resnet50", 64)]
    public void FreqProbes_own_graph_of_a_ResNet_computes_what_libtorch_computes(string name, int size)
    {
        ModelSpec spec = ModelRegistry.Get(name);
        manual_seed(7);
        using nn.Module<Tensor, Tensor> model = spec.Create(10);
        RedrawNormStatistics(model);
        model.eval();
        using Tensor x = randn(3, 3, size, size);
        using Tensor before = model.forward(x); // BatchNorm not yet folded: the graph must fold it right
        string graph = NativeOnnxGraph.Cached(model, name, size, dir.Path, notice: null);
        using OnnxNetwork network = OnnxNetwork.Open(graph, threads: 2);
        using Tensor logits = network.forward(x);
        double scale = Math.Max(1, before.abs().max().item<float>());
        double worst = (logits - before).abs().max().item<float>();
        Assert.True(worst <= 1e-4 * scale, $"{name}: max |ONNX Runtime - libtorch| = {worst:g3} (scale {scale:g3})");
        // The graph's weights load back into the architecture as they were (the verification's float64 reference).
        using nn.Module<Tensor, Tensor> back = NativeOnnxGraph.LoadBack(spec, 10, graph);
        using Tensor again = back.forward(x);
        Assert.True((again - before).abs().max().item<float>() <= 1e-5 * scale);
        // Cached by the weights: the same weights find the same file, other weights write another.
        DateTime written = File.GetLastWriteTimeUtc(graph);
        Assert.Equal(graph, NativeOnnxGraph.Cached(model, name, size, dir.Path, notice: null));
        Assert.Equal(written, File.GetLastWriteTimeUtc(graph));
        using (no_grad()) model.parameters().First().add_(1e-3);
        Assert.NotEqual(graph, NativeOnnxGraph.Cached(model, name, size, dir.Path, notice: null));
    }

    [Fact]
    public void A_model_with_dynamic_convolutions_has_no_graph_and_says_why()
    {
        using nn.Module<Tensor, Tensor> model = ModelRegistry.Get("cifar-odresnet20").Create(10);
        Assert.Contains("ODConv", NativeOnnxGraph.WhyNot(model), StringComparison.Ordinal);
    }

    static void RedrawNormStatistics(nn.Module<Tensor, Tensor> model)
    {
        using var noGrad = no_grad();
        var generator = new Generator(11);
        foreach ((string name, Tensor buffer) in model.named_buffers())
        {
            if (name.EndsWith("running_mean", StringComparison.Ordinal)) buffer.copy_(randn(buffer.shape, generator: generator) * 0.2);
            if (name.EndsWith("running_var", StringComparison.Ordinal)) buffer.copy_(rand(buffer.shape, generator: generator) + 0.5);
        }
        foreach ((string name, TorchSharp.Modules.Parameter parameter) in model.named_parameters())
        {
            if (name.Contains("bn", StringComparison.Ordinal) || name.Contains("downsample.1", StringComparison.Ordinal))
            {
                parameter.copy_(name.EndsWith("weight", StringComparison.Ordinal) ? rand(parameter.shape, generator: generator) + 0.5 : randn(parameter.shape, generator: generator) * 0.1);
            }
        }
    }
}
