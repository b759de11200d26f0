using System.Globalization;
using FreqProbe.Core.Training;

namespace FreqProbe.Cli;

/// <summary>Training progress on stderr when it is a terminal: epoch, images, images per second, ETA and running loss.</summary>
internal sealed class TrainProgressBar(TextWriter output, bool enabled) : IProgress<TrainProgress>, IDisposable
{
    const int Width = 25;
    bool drawn;

    public void Report(TrainProgress value)
    {
        if (!enabled || value.ImagesTotal == 0) return;
        double fraction = (double)value.ImagesDone / value.ImagesTotal;
        double seconds = value.Elapsed.TotalSeconds;
        double rate = seconds > 0 ? value.ImagesDone / seconds : 0;
        double remaining = rate > 0 ? (value.ImagesTotal - value.ImagesDone + (double)(value.Epochs - value.Epoch) * value.ImagesTotal) / rate : 0;
        int filled = (int)(fraction * Width);
        output.Write(string.Create(CultureInfo.InvariantCulture,
            $"\repoch {value.Epoch}/{value.Epochs} [{new string('#', filled)}{new string('.', Width - filled)}] {value.ImagesDone}/{value.ImagesTotal}  {rate:0} img/s  loss {value.RunningLoss:0.000}  ETA {TimeSpan.FromSeconds(Math.Round(remaining)):g}  "));
        output.Flush();
        drawn = true;
    }

    public void Finish()
    {
        if (!drawn) return;
        output.WriteLine();
        drawn = false;
    }

    public void Dispose() => Finish();
}
