using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Evaluation;

/// <summary>
/// Runs an evaluation-mode model over a stack of inputs. When the device runs out of memory it halves the number of
/// images per forward pass, down to one, retries, says so once per new size, and keeps the smaller size for the
/// rest of the run. In evaluation mode every image's logits are independent of its neighbours, so the results do
/// not change.
/// </summary>
public sealed class AdaptiveForward
{
    readonly Action<string>? notice;

    /// <summary>Creates a runner that reports each reduction to <paramref name="notice"/>.</summary>
    public AdaptiveForward(Action<string>? notice = null) => this.notice = notice;

    /// <summary>The images per forward pass after the last reduction; null while no pass has run out of memory.</summary>
    public long? Cap { get; private set; }

    /// <summary>The logits of <paramref name="model"/> for every row of <paramref name="input"/>, in row order.</summary>
    public Tensor Logits(Func<Tensor, Tensor> model, Tensor input)
    {
        long rows = input.shape[0];
        while (true)
        {
            long chunk = Math.Min(rows, Cap ?? rows);
            try
            {
                if (chunk == rows) return model(input);
                var parts = new List<Tensor>();
                for (long start = 0; start < rows; start += chunk) parts.Add(model(input.narrow(0, start, Math.Min(chunk, rows - start))));
                return cat(parts, 0);
            }
            catch (Exception e) when (IsOutOfMemory(e) && chunk > 1)
            {
                Cap = Math.Max(1, chunk / 2);
                notice?.Invoke(string.Create(CultureInfo.InvariantCulture,
                    $"out of device memory with {chunk} images per forward pass; retrying with {Cap} (results are unchanged)"));
            }
        }
    }

    /// <summary>Whether <paramref name="e"/> is libtorch (or .NET) running out of memory.</summary>
    public static bool IsOutOfMemory(Exception e) =>
        e is OutOfMemoryException
        || (e is System.Runtime.InteropServices.ExternalException && e.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase));
}
