using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Models;

/// <summary>
/// Copies a state dict into a module strictly: missing, unexpected and wrong-shape keys are all listed in one
/// <see cref="InputException"/>, with expected and actual shapes. Nothing is copied unless everything matches.
/// </summary>
public static class StateDictBinder
{
    /// <summary>Loads <paramref name="source"/> into <paramref name="module"/>; <paramref name="origin"/> names the file in errors.</summary>
    public static void LoadStrict(nn.Module module, IReadOnlyDictionary<string, Tensor> source, string origin)
    {
        Dictionary<string, Tensor> target = module.state_dict();
        var missing = target.Keys.Where(k => !source.ContainsKey(k)).ToList();
        var unexpected = source.Keys.Where(k => !target.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var wrongShape = new List<string>();
        foreach ((string key, Tensor expected) in target)
        {
            if (source.TryGetValue(key, out Tensor? actual) && !SameShape(expected, actual))
            {
                wrongShape.Add($"{key}: expected {Shape(expected)}, got {Shape(actual)}");
            }
        }
        if (missing.Count + unexpected.Count + wrongShape.Count > 0)
        {
            var message = new StringBuilder($"'{origin}' does not match the model's state dict");
            message.Append($" ({missing.Count} missing, {unexpected.Count} unexpected, {wrongShape.Count} wrong shape)");
            AppendList(message, "missing keys", missing.Select(k => $"{k} {Shape(target[k])}"));
            AppendList(message, "unexpected keys", unexpected.Select(k => $"{k} {Shape(source[k])}"));
            AppendList(message, "wrong shapes", wrongShape);
            throw new InputException("weights", message.ToString());
        }
        using (no_grad())
        {
            foreach ((string key, Tensor destination) in target)
            {
                Tensor value = source[key];
                using Tensor converted = value.to(destination.dtype).reshape(destination.shape);
                destination.copy_(converted);
            }
        }
    }

    // A scalar buffer such as num_batches_tracked may be stored as [] or [1]; both hold one value.
    static bool SameShape(Tensor a, Tensor b) =>
        a.shape.SequenceEqual(b.shape) || (a.numel() == 1 && b.numel() == 1 && a.dim() <= 1 && b.dim() <= 1);

    static string Shape(Tensor t) => $"[{string.Join(", ", t.shape)}]";

    static void AppendList(StringBuilder message, string title, IEnumerable<string> items)
    {
        var list = items.ToList();
        if (list.Count == 0) return;
        const int shown = 25;
        message.Append($"\n  {title}:");
        foreach (string item in list.Take(shown)) message.Append($"\n    {item}");
        if (list.Count > shown) message.Append($"\n    … and {list.Count - shown} more");
    }

    /// <summary>Loads the state dict in <paramref name="path"/> (any <see cref="WeightsFile"/> format) into <paramref name="model"/>, strictly.</summary>
    public static void LoadFile(nn.Module model, string path)
    {
        Dictionary<string, Tensor> state = WeightsFile.Load(path);
        try
        {
            LoadStrict(model, state, path);
        }
        finally
        {
            foreach (Tensor t in state.Values) t.Dispose();
        }
    }
}
