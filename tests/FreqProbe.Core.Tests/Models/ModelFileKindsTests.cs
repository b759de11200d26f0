using FreqProbe.Core.Models;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Core.Tests.Models;

/// <summary>Every model-file kind, through the seam the resolver, the session and `kernels` use.</summary>
public sealed class ModelFileKindsTests
{
    public static TheoryData<string> Kinds => new(ModelFileKinds.All.Select(k => k.Name));

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Each_kind_is_a_registry_model_tells_its_files_from_state_dicts_and_says_why_not(string name)
    {
        IModelFileKind kind = ModelFileKinds.All.Single(k => k.Name == name);
        ModelSpec spec = ModelRegistry.Get(name);
        Assert.Same(kind, spec.FileKind);
        Assert.True(spec.IsArchive);
        Assert.Null(spec.Preprocess); // the data config comes from the card and the command line
        Assert.DoesNotContain(name, ModelRegistry.Architectures);
        foreach (string notOne in new[] { SharedData.Fixture("cifar_resnet20_hashed.pth"), SharedData.Fixture("resize_antialias.json"), "/nonexistent/model.pt" })
        {
            Assert.False(kind.Recognises(notOne), notOne);
            Assert.Null(ModelFileKinds.Of(notOne));
        }
        Assert.NotEmpty(kind.WhyNot(SharedData.Fixture("resize_antialias.json")));
        foreach (string text in new[] { kind.FileDescription, kind.ModelDescription }) Assert.Matches("^an? ", text);
    }

    [Fact]
    public void A_torchscript_archive_is_recognised_whatever_its_extension_opens_and_names_its_weights()
    {
        string archive = TorchScriptFixtures.Archive("tiny-convnext-traced");
        using var dir = new TempDirectory();
        string renamed = dir.File("model.bin");
        File.Copy(archive, renamed);
        IModelFileKind kind = ModelFileKinds.Of(renamed) ?? throw new Xunit.Sdk.XunitException("not recognised");
        Assert.Equal(ModelRegistry.TorchScript, kind.Name);
        using TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> network = ModelRegistry.Get(kind.Name).Open(10, renamed);
        var weights = ModelRegistry.Get(kind.Name).NamedWeights(network).ToList();
        Assert.NotEmpty(weights);
        Assert.All(weights, w => Assert.False(string.IsNullOrEmpty(w.Name)));
        Assert.Equal("RuntimeError: boom", kind.ErrorLine("The following operation failed in the TorchScript interpreter.\nTraceback ...\nRuntimeError: boom\n"));
    }
}
