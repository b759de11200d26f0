using System.Globalization;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Training;

namespace FreqProbe.Cli;

/// <summary>A one-line progress bar with images per second and ETA, drawn on stderr only when it is a terminal.</summary>
internal sealed class ProgressBar(TextWriter output, bool enabled) : IProgress<SweepProgress>, IProgress<TrainProgress>, IDisposable
{
    const int Width = 28;
    bool drawn;

    public void Report(SweepProgress value) =>
        Draw("", value.ImagesDone, value.ImagesTotal, value.Elapsed, value.ImagesTotal - value.ImagesDone, "");

    public void Report(TrainProgress value) =>
        Draw($"epoch {value.Epoch}/{value.Epochs} ", value.ImagesDone, value.ImagesTotal, value.Elapsed,
            value.ImagesTotal - value.ImagesDone + (double)(value.Epochs - value.Epoch) * value.ImagesTotal,
            string.Create(CultureInfo.InvariantCulture, $"loss {value.RunningLoss:0.000}  "));

    void Draw(string prefix, int done, int total, TimeSpan elapsed, double remainingImages, string extra)
    {
        if (!enabled || total == 0) return;
        double seconds = elapsed.TotalSeconds;
        double rate = seconds > 0 ? done / seconds : 0;
        double eta = rate > 0 ? remainingImages / rate : 0;
        int filled = (int)((double)done / total * Width);
        output.Write(string.Create(CultureInfo.InvariantCulture,
            $"\r{prefix}[{new string('#', filled)}{new string('.', Width - filled)}] {done}/{total} images  {rate:0.0} img/s  {extra}ETA {TimeSpan.FromSeconds(Math.Round(eta)):g}  "));
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
