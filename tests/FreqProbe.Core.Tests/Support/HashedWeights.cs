using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Tests.Support;

/// <summary>
/// The deterministic weights of scripts/make_fixtures.py (hashed_value), recomputed here so that parity fixtures
/// need no large weight files. Every step is exact integer or IEEE double arithmetic, cast to float32 last.
/// </summary>
public static class HashedWeights
{
    public static void Fill(nn.Module module)
    {
        using (no_grad())
        {
            foreach ((string key, Tensor tensor) in module.state_dict())
            {
                if (key.EndsWith("num_batches_tracked", StringComparison.Ordinal)) continue;
                float[] values = Values(key, tensor.shape);
                using Tensor source = torch.tensor(values, tensor.shape);
                tensor.copy_(source);
            }
        }
    }

    static float[] Values(string key, long[] shape)
    {
        long n = shape.Aggregate(1L, (a, b) => a * b);
        uint seed = Fnv1a(key);
        string name = key[(key.LastIndexOf('.') + 1)..];
        var result = new float[n];
        double convScale = shape.Length > 1 ? Math.Sqrt(2.0 / shape.Skip(1).Aggregate(1L, (a, b) => a * b)) * Math.Sqrt(3.0) : 0;
        for (long j = 0; j < n; j++)
        {
            uint x = seed ^ unchecked((uint)((ulong)j * 0x9E3779B1UL));
            x ^= x >> 16;
            x = unchecked(x * 0x85EBCA6B);
            x ^= x >> 13;
            x = unchecked(x * 0xC2B2AE35);
            x ^= x >> 16;
            double u = x / 4294967296.0;
            double s = u * 2.0 - 1.0;
            double v = name switch
            {
                "running_mean" => s * 0.1,
                "running_var" => u * 0.5 + 1.0,
                "bias" => s * 0.1,
                _ when shape.Length == 1 => s * 0.1 + 1.0,
                _ => s * convScale,
            };
            result[j] = (float)v;
        }
        return result;
    }

    static uint Fnv1a(string text)
    {
        uint h = 0x811C9DC5;
        foreach (byte b in System.Text.Encoding.UTF8.GetBytes(text))
        {
            h ^= b;
            h = unchecked(h * 0x01000193);
        }
        return h;
    }
}
