using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Spectral;

/// <summary>A bank of K kernel groups of one dynamic-convolution layer, as [K, out, in/groups, kh, kw] on the CPU.</summary>
/// <param name="Layer">The layer path (the parameter names without their last part).</param>
/// <param name="Layout">odconv (also DyConv), condconv or fdconv.</param>
/// <param name="Groups">The kernels.</param>
public sealed record KernelBank(string Layer, string Layout, Tensor Groups);

/// <summary>
/// Finds the kernel banks of dynamic convolutions in a state dict by their layouts, and reports tensors that look like
/// a bank but cannot be read without guessing:
/// <list type="bullet">
/// <item>ODConv (official code) and DyConv: <c>X.weight</c> [K, out, in/groups, k, k] beside <c>X.attention.*</c>.</item>
/// <item>timm's CondConv: <c>X.weight</c> [E, out·in/groups·kh·kw] beside <c>X.routing_fn.weight</c> [E, in]; out from <c>X.bias</c> [E, out];
/// reshaped row-major to (out, in/groups, kh, kw) when exactly one of groups = 1 and depthwise gives a square kernel.</item>
/// <item>FDConv (Chen et al., CVPR 2025): <c>X.dft_weight</c> [P, out·k, in·k/2+1, 2] and no <c>X.weight</c>; K, out and in from its
/// <c>X.KSM_Global.{kernel,filter,channel}_fc.weight</c>. Each group's kernels are rebuilt as FDConv builds them (<see cref="FdConvGroups"/>).</item>
/// </list>
/// </summary>
public static class KernelBankLayouts
{
    /// <summary>
    /// The most kernel groups a bank may have (ODConv uses 4, CondConv up to 16 experts, FDConv up to 64): the figures
    /// compare every pair of groups, so a state dict declaring [20000, 1, 1, 1, 1] would take minutes and gigabytes.
    /// </summary>
    public const int MaxGroups = 256;

    // Why a tensor cannot be one with `dims` dimensions of at least one element each; null when it can.
    static string? Shape(string what, Tensor? t, int dims)
    {
        if (t is null) return null;
        if (t.dim() != dims || t.shape.Any(d => d < 1))
        {
            return $"{what} is [{string.Join(", ", t.shape)}]; expected {dims} dimensions of at least 1";
        }
        return null;
    }

    /// <summary>The banks of <paramref name="stateDict"/>, in key order, and one problem per tensor that looks like a bank but is not read.</summary>
    public static (IReadOnlyList<KernelBank> Banks, IReadOnlyList<string> Problems) Find(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        var banks = new List<KernelBank>();
        var problems = new List<string>();
        bool Has(string key) => stateDict.ContainsKey(key);
        Tensor? Get(string key) => stateDict.TryGetValue(key, out Tensor? t) ? t : null;
        // The modules that hold an ODConv/DyConv attention: X in X.attention.*.
        var attended = stateDict.Keys.Select(k => k.IndexOf(".attention.", StringComparison.Ordinal) is int at and >= 0 ? k[..at] : null)
            .OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach ((string key, Tensor value) in stateDict.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (key.EndsWith(".dft_weight", StringComparison.Ordinal))
            {
                string layer = key[..^".dft_weight".Length];
                string? why = FdConvShape(value, Get($"{layer}.KSM_Global.kernel_fc.weight"), Get($"{layer}.KSM_Global.filter_fc.weight"),
                    Get($"{layer}.KSM_Global.channel_fc.weight"), out int k, out int outChannels, out int inChannels, out int kernel);
                if (why is not null || Has($"{layer}.weight")) problems.Add($"{key}: FDConv layout not read: {why ?? "a weight beside the dft_weight"}.");
                else banks.Add(new KernelBank(layer, "fdconv", FdConvGroups(value, k, outChannels, inChannels, kernel)));
                continue;
            }
            if (!key.EndsWith(".weight", StringComparison.Ordinal)) continue;
            string name = key[..^".weight".Length];
            bool attention = attended.Contains(name);
            if (value.dim() == 5)
            {
                if (attention && Shape("the weight", value, 5) is { } empty) problems.Add($"{key}: ODConv layout not read: {empty}.");
                else if (attention && value.shape[0] > MaxGroups) problems.Add($"{key}: ODConv layout not read: {value.shape[0]} kernel groups; expected at most {MaxGroups}.");
                else if (attention && value.shape[0] >= 2) banks.Add(new KernelBank(name, "odconv", value.detach().cpu()));
                else problems.Add($"{key}: a 5-D weight [{string.Join(", ", value.shape)}] " + (attention
                    ? "with one kernel group; expected K >= 2."
                    : $"without {name}.attention.* beside it; expected ODConv's or DyConv's [K, out, in, k, k] with its attention."));
                continue;
            }
            if (value.dim() == 2 && Get($"{name}.routing_fn.weight") is { } routing)
            {
                if (CondConvShape(value, routing, Get($"{name}.bias"), out long[] shape) is { } why) problems.Add($"{key}: CondConv layout not read: {why}.");
                else banks.Add(new KernelBank(name, "condconv", value.detach().cpu().reshape(shape)));
            }
        }
        // A bank whose weights are all zero has no spectra to compare (every figure would be 0/0).
        foreach (KernelBank zero in banks.Where(b => !b.Groups.ne(Native.PinnedScalars.Zero).any().item<bool>()).ToArray())
        {
            problems.Add($"{zero.Layer}: {zero.Layout} bank not read: all its weights are zero, so its groups have no spectra to compare.");
            banks.Remove(zero);
        }
        return (banks, problems);
    }

    static string? CondConvShape(Tensor weight, Tensor routing, Tensor? bias, out long[] shape)
    {
        shape = Array.Empty<long>();
        if ((Shape("weight", weight, 2) ?? Shape("routing_fn.weight", routing, 2) ?? Shape("bias", bias, 2)) is { } malformed) return malformed;
        long experts = weight.shape[0], perExpert = weight.shape[1], inChannels = routing.shape[1];
        if (routing.shape[0] != experts) return $"routing_fn.weight is [{string.Join(", ", routing.shape)}]; expected [{experts}, in]";
        if (bias is null || bias.shape[0] != experts) return "no bias [E, out] gives the output channels, so the kernel shape would be a guess";
        if (experts > MaxGroups) return $"{experts} experts; expected at most {MaxGroups}";
        long outChannels = bias.shape[1];
        // groups = 1 (in channels per kernel) or depthwise (1 per kernel): the kernel must be square in exactly one reading.
        // Depthwise needs the outputs to be a multiple of the inputs.
        var readings = new[] { inChannels, 1L }.Distinct().Where(perGroup => perGroup == inChannels || outChannels % inChannels == 0)
            .Select(perGroup => (perGroup, side: SquareSide(perExpert, outChannels * perGroup)))
            .Where(r => r.side > 0).ToArray();
        if (readings.Length != 1)
        {
            return $"{perExpert} weights per expert for {outChannels} outputs and {inChannels} inputs give " +
                (readings.Length == 0 ? "no square kernel" : "a square kernel both with groups = 1 and depthwise") + "; expected one reading";
        }
        shape = new[] { experts, outChannels, readings[0].perGroup, readings[0].side, readings[0].side };
        return null;
    }

    static long SquareSide(long total, long divisor)
    {
        if (divisor <= 0 || total % divisor != 0) return 0;
        long area = total / divisor, side = (long)Math.Round(Math.Sqrt(area));
        return side * side == area ? side : 0;
    }

    static string? FdConvShape(Tensor dft, Tensor? kernelFc, Tensor? filterFc, Tensor? channelFc, out int groups, out int outChannels, out int inChannels, out int kernel)
    {
        groups = outChannels = inChannels = kernel = 0;
        if (dft.dim() != 4 || dft.shape[3] != 2 || dft.shape.Any(d => d < 1)) return $"dft_weight is [{string.Join(", ", dft.shape)}]; expected [P, out*k, in*k/2+1, 2] with P, out, in and k at least 1";
        if (kernelFc is null || filterFc is null || channelFc is null)
        {
            return "KSM_Global.kernel_fc, filter_fc and channel_fc weights, which give K, out and in, are missing; expected FDConv's own state dict";
        }
        foreach ((string what, Tensor fc) in new[] { ("kernel_fc.weight", kernelFc), ("filter_fc.weight", filterFc), ("channel_fc.weight", channelFc) })
        {
            // A linear or 1x1-convolution weight: its first dimension is the count it gives.
            if (fc.dim() is not (2 or 4) || fc.shape.Any(d => d < 1)) return $"{what} is [{string.Join(", ", fc.shape)}]; expected 2 or 4 dimensions of at least 1";
        }
        long ratio = dft.shape[0];
        if (kernelFc.shape[0] % ratio != 0) return $"kernel_fc has {kernelFc.shape[0]} outputs, not a multiple of the {ratio} parameter groups";
        groups = (int)(kernelFc.shape[0] / ratio);
        outChannels = (int)filterFc.shape[0];
        inChannels = (int)channelFc.shape[0];
        if (dft.shape[1] % outChannels != 0) return $"{dft.shape[1]} rows are not a multiple of {outChannels} output channels";
        kernel = (int)(dft.shape[1] / outChannels);
        long columns = (long)inChannels * kernel / 2 + 1;
        if (dft.shape[2] != columns) return $"{dft.shape[2]} columns; expected in*k/2+1 = {columns} for {inChannels} inputs and {kernel}x{kernel} kernels";
        long cells = dft.shape[1] * dft.shape[2];
        if (groups > MaxGroups) return $"K = {groups} groups; expected at most {MaxGroups}";
        if (groups < 2 || cells % groups != 0) return $"{cells} coefficients do not split into K = {groups} equal groups";
        return null;
    }

    /// <summary>
    /// FDConv's K groups as spatial kernels [K, out, in, k, k]: the coefficients of the first parameter group's
    /// (out·k) × (in·k) half spectrum are sorted by the norm of their frequency (rows in fftfreq, columns in rfftfreq
    /// units, compared exactly; ties in index order), split into K contiguous runs, and each run alone goes through the inverse real FFT;
    /// the (out·k) × (in·k) result is read as [out, k, in, k] and put in [out, in, k, k] order. (FDConv, Chen et al. 2025:
    /// its get_fft2freq and forward pass; its index buffer is not saved, so it is recomputed here.) The groups are disjoint
    /// in the full spectrum, so their weights are orthogonal, unless a run of equal frequencies that holds a Hermitian
    /// mirror pair of column 0 or W/2 is cut by a group boundary: the two halves of the pair then couple their groups.
    /// </summary>
    public static Tensor FdConvGroups(Tensor dftWeight, int groups, int outChannels, int inChannels, int kernel)
    {
        using var scope = NewDisposeScope();
        int rows = outChannels * kernel, width = inChannels * kernel, columns = width / 2 + 1;
        int[] order = FrequencyOrder(rows, width);
        int perGroup = order.Length / groups;
        Tensor coefficients = dftWeight.detach().cpu().to(ScalarType.Float64)[0].reshape(rows * columns, 2);
        var kernels = new List<Tensor>();
        for (int g = 0; g < groups; g++)
        {
            var mask = new double[rows * columns];
            foreach (int cell in order.AsSpan(g * perGroup, perGroup)) mask[cell] = 1;
            Tensor kept = coefficients * tensor(mask, new long[] { rows * columns, 1 }, ScalarType.Float64);
            Tensor complexHalf = view_as_complex(kept.reshape(rows, columns, 2).contiguous());
            Tensor spatial = fft.irfft2(complexHalf, s: new long[] { rows, width });                       // [out·k, in·k]
            kernels.Add(spatial.reshape(outChannels, kernel, inChannels, kernel).permute(0, 2, 1, 3));
        }
        return stack(kernels).contiguous().MoveToOuterDisposeScope();
    }

    // Half-spectrum cells (row-major) sorted by the norm of (fftfreq row, rfftfreq column), compared exactly as the
    // integer (a·W)² + (b·R)² for row frequency a/R and column frequency b/W; exact ties in index order.
    internal static int[] FrequencyOrder(int rows, int width)
    {
        int columns = width / 2 + 1;
        long Key(int cell)
        {
            long a = cell / columns, b = cell % columns;
            if (a >= (rows + 1) / 2) a -= rows;
            return a * a * width * width + b * b * rows * rows;
        }
        return Enumerable.Range(0, rows * columns).OrderBy(Key).ThenBy(cell => cell).ToArray();
    }
}
