using System.Globalization;
using FreqProbe.Core.Native;
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

    /// <summary>
    /// The logits of <paramref name="model"/> for every row of <paramref name="input"/>, in row order, checked against
    /// what every analysis reads: [rows, <paramref name="classes"/>], floating point, finite. Anything else is an
    /// <see cref="InputException"/> on the model, naming the input by <paramref name="describeRow"/> (a row number
    /// of this pass, e.g. "image 17 under lowpass 8"). A NaN passes softmax and argmax silently as class 0.
    /// </summary>
    public Tensor Logits(Func<Tensor, Tensor> model, Tensor input, int classes, Func<long, string> describeRow)
    {
        Tensor logits = Run(model, input);
        Check(logits, input.shape[0], classes, describeRow);
        return logits;
    }

    /// <summary>Refuses logits that are not [<paramref name="rows"/>, <paramref name="classes"/>] finite floating-point numbers.</summary>
    public static void Check(Tensor logits, long rows, int classes, Func<long, string> describeRow)
    {
        if (logits.dim() != 2 || logits.shape[0] != rows || logits.shape[1] != classes)
        {
            throw new InputException("weights", $"the model returned logits of shape [{string.Join(", ", logits.shape)}] for {rows} input(s); " +
                $"expected [{rows}, {classes}]: one row of {classes} class scores per input.");
        }
        if (!logits.is_floating_point())
        {
            throw new InputException("weights", $"the model returned {logits.dtype} logits; expected floating-point class scores.");
        }
        using var scope = NewDisposeScope();
        Tensor finite = isfinite(logits).all(1);
        if (finite.all().item<bool>()) return;
        long bad = rows - finite.sum().item<long>();
        long first = finite.logical_not().nonzero()[0, 0].item<long>();
        throw new InputException("weights",
            $"the model returned non-finite logits (NaN or infinity) for {bad} of {rows} input(s) in one forward pass, the first being {describeRow(first)}; " +
            "expected finite class scores (the model or its weights break on this input; --allow-nonfinite admits non-finite weights, never non-finite outputs).");
    }

    Tensor Run(Func<Tensor, Tensor> model, Tensor input)
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
            catch (Exception e) when (LibTorchErrors.IsOutOfMemory(e) && chunk > 1)
            {
                Cap = Math.Max(1, chunk / 2);
                notice?.Invoke(string.Create(CultureInfo.InvariantCulture,
                    $"out of device memory with {chunk} images per forward pass; retrying with {Cap} (results are unchanged)"));
            }
            catch (System.Runtime.InteropServices.ExternalException e)
            {
                // libtorch refused the model's computation on this input (a TorchScript model that raises, shapes it
                // cannot take, memory it cannot have even for one image): the model and its input, not FreqProbe.
                string shape = $"[{string.Join(", ", input.shape.Skip(1).Prepend(1L))}]";
                throw new InputException("weights", LibTorchErrors.IsOutOfMemory(e)
                    ? $"the model runs out of memory on a single input of shape {shape} ({Native.LibTorchErrors.Line(e.Message)}); " +
                      "expected a model that fits this device: try a smaller --input-size or another --device."
                    : $"the model failed on its input (shape {shape} per image): {Native.LibTorchErrors.Line(e.Message)}; " +
                      "expected a model that runs on these inputs (check --input-size, --mean/--std and the model card).", e);
            }
        }
    }
}
