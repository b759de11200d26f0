namespace FreqProbe.Core.Models;

/// <summary>The kinds of model file that carry their network (one line each), and which of them a file is.</summary>
public static class ModelFileKinds
{
    /// <summary>Every kind, in the order files are tried.</summary>
    public static IReadOnlyList<IModelFileKind> All { get; } = new IModelFileKind[]
    {
        new TorchScriptKind(),
        new OnnxKind(),
    };

    /// <summary>The kind of the file at <paramref name="path"/>, or null when it is none of them (a state dict, say).</summary>
    public static IModelFileKind? Of(string path) => All.FirstOrDefault(kind => kind.Recognises(path));

}
