using System.Globalization;
using FreqProbe.Core.Evaluation;

namespace FreqProbe.Cli;

/// <summary>A one-line progress bar with images per second and ETA, drawn on stderr only when it is a terminal.</summary>
internal sealed class ProgressBar(TextWriter output, bool enabled) : IProgress<SweepProgress>, IDisposable
{
    const int Width = 30;
    bool drawn;

    public void Report(SweepProgress value)
    {
        if (!enabled || value.ImagesTotal == 0) return;
        double fraction = (double)value.ImagesDone / value.ImagesTotal;
        double seconds = value.Elapsed.TotalSeconds;
        double rate = seconds > 0 ? value.ImagesDone / seconds : 0;
        double eta = rate > 0 ? (value.ImagesTotal - value.ImagesDone) / rate : 0;
        int filled = (int)(fraction * Width);
        output.Write(string.Create(CultureInfo.InvariantCulture,
            $"\r[{new string('#', filled)}{new string('.', Width - filled)}] {value.ImagesDone}/{value.ImagesTotal} images  {rate:0.0} img/s  ETA {TimeSpan.FromSeconds(Math.Round(eta)):g}  "));
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
