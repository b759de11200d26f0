using System.Runtime.InteropServices;
using FreqProbe.Core.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace FreqProbe.Core.Models;

/// <summary>
/// The implementations of <see cref="ConvolutionKernel"/>, shared by the models' layers and the verification checks,
/// so that a check exercises exactly the code a run will.
/// </summary>
public static partial class ConvolutionKernels
{
    /// <summary>
    /// The environment variable that simulates a faulty backend, for tests of the verification: <c>wrong</c> makes
    /// the channels-last kernel add 1 to channel 0 of every convolution's output; <c>crash-1x1</c> makes it die of
    /// SIGFPE on 1×1 convolutions, as oneDNN 3.7.1 does on AMD Zen 5; <c>wrong-gradient</c> leaves its output right and
    /// doubles the gradient its backward pass gives. It is part of the verdict key, so it never reaches the verdicts
    /// of a normal run.
    /// </summary>
    public const string FaultVariable = "FREQPROBE_SIMULATE_FAULT";

    /// <summary>The simulated fault of this process ("" for none).</summary>
    public static string SimulatedFault { get; } = Environment.GetEnvironmentVariable(FaultVariable) ?? "";

    /// <summary>
    /// Computes the convolution of <paramref name="x"/> (logically NCHW) with <paramref name="weight"/> by
    /// <paramref name="kernel"/>. The result is laid out channels-last when <paramref name="channelsLastOut"/>, else
    /// channels-first; a channels-first kernel inside a channels-last network converts on the way in and out.
    /// </summary>
    public static Tensor Run(ConvolutionKernel kernel, Tensor x, Tensor weight, Tensor? bias, long stride, long padding, long groups, bool channelsLastOut)
    {
        switch (kernel)
        {
            case ConvolutionKernel.ChannelsFirst:
            {
                Tensor y = nn.functional.conv2d(x.contiguous(), weight.contiguous(), bias, strides: new[] { stride, stride }, padding: new[] { padding, padding }, groups: groups);
                return channelsLastOut ? MemoryLayout.ChannelsLast(y) : y;
            }
            case ConvolutionKernel.ChannelsLast:
            {
                Tensor y = nn.functional.conv2d(MemoryLayout.ChannelsLast(x), MemoryLayout.ChannelsLast(weight), bias,
                    strides: new[] { stride, stride }, padding: new[] { padding, padding }, groups: groups);
                if (SimulatedFault == "wrong" || (SimulatedFault == "crash-1x1" && weight.shape[2] == 1 && weight.shape[3] == 1)) y = Fault(y);
                if (SimulatedFault == "wrong-gradient") y = y.add(y.sub(y.detach()), PinnedScalars.One); // the same values; twice the gradient
                return channelsLastOut ? y : y.contiguous();
            }
            case ConvolutionKernel.MatrixProduct:
            {
                if (weight.shape[2] != 1 || weight.shape[3] != 1 || padding != 0 || groups != 1)
                    throw new ArgumentException("the matrix-product kernel computes 1×1 convolutions without padding or groups only", nameof(kernel));
                Tensor input = stride == 1 ? x : x[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(null, null, stride), TensorIndex.Slice(null, null, stride)];
                long n = input.shape[0], c = input.shape[1], h = input.shape[2], w = input.shape[3], o = weight.shape[0];
                // [N, H, W, C] pixels as rows: a view for channels-last input, one copy otherwise.
                Tensor pixels = input.permute(0, 2, 3, 1).reshape(n * h * w, c);
                Tensor matrix = weight.reshape(o, c);
                Tensor y = bias is null ? pixels.matmul(matrix.t()) : nn.functional.linear(pixels, matrix, bias);
                Tensor result = y.view(n, h, w, o).permute(0, 3, 1, 2);
                return channelsLastOut ? result : result.contiguous();
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(kernel), kernel, null);
        }
    }

    static Tensor Fault(Tensor y)
    {
        if (SimulatedFault == "crash-1x1")
        {
            // SIGFPE with its default action, as the real fault (the .NET runtime's own handler would turn it into an abort).
            _ = Signal(8, IntPtr.Zero);
            _ = Raise(8);
            Environment.FailFast("simulated backend crash");
        }
        Tensor faulty = y.clone();
        faulty[TensorIndex.Colon, 0].add_(PinnedScalars.One, PinnedScalars.One);
        return faulty;
    }

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial IntPtr Signal(int signal, IntPtr handler);

    [LibraryImport("libc", EntryPoint = "raise")]
    private static partial int Raise(int signal);
}
