namespace FreqProbe.Core.Tests.Support;

/// <summary>Locates ../shared/data beside the repository; tests that need it skip with a message when it is absent.</summary>
public static class SharedData
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Root => Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "data"));

    public static string Cifar10 => Path.Combine(Root, "cifar10");

    public static string ImageNetSample => Path.Combine(Root, "imagenet-sample");

    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    static string FindRoot()
    {
        for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "FreqProbe.sln"))) return dir;
        }
        throw new InvalidOperationException("cannot find the repository root (FreqProbe.sln) above " + AppContext.BaseDirectory);
    }
}

/// <summary>A fact that needs ../shared/data/cifar10; skipped with a message when it is absent.</summary>
public sealed class Cifar10FactAttribute : FactAttribute
{
    public Cifar10FactAttribute()
    {
        if (!File.Exists(Path.Combine(SharedData.Cifar10, "test_batch.bin"))) Skip = $"real CIFAR-10 data absent at {SharedData.Cifar10}";
    }
}

/// <summary>A fact that needs ../shared/data/imagenet-sample; skipped with a message when it is absent.</summary>
public sealed class ImageNetSampleFactAttribute : FactAttribute
{
    public ImageNetSampleFactAttribute()
    {
        if (!Directory.Exists(Path.Combine(SharedData.ImageNetSample, "val"))) Skip = $"ImageNet sample absent at {SharedData.ImageNetSample}";
    }
}
