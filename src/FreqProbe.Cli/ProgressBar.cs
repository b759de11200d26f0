using System.Globalization;
using FreqProbe.Core.Assets;
using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Training;

namespace FreqProbe.Cli;

/// <summary>
/// A one-line progress bar with images per second and ETA, drawn on stderr when it is a terminal; when it is not (CI
/// logs, Slurm, pipes) and <paramref name="logEvery"/> is set, a plain progress line at most that often instead, so that
/// long runs show they are alive without filling logs with carriage returns.
/// </summary>
internal sealed class ProgressBar(TextWriter output, bool enabled, TimeSpan? logEvery = null)
    : IProgress<SweepProgress>, IProgress<TrainProgress>, IProgress<DownloadProgress>, IDisposable
{
    const int Width = 28;
    bool drawn;
    readonly System.Diagnostics.Stopwatch clock = System.Diagnostics.Stopwatch.StartNew();
    TimeSpan lastLog = TimeSpan.Zero;

    public void Report(SweepProgress value) =>
        Draw("", value.ImagesDone, value.ImagesTotal, value.Elapsed, value.ImagesTotal - value.ImagesDone, "");

    public void Report(TrainProgress value) =>
        Draw($"epoch {value.Epoch}/{value.Epochs} ", value.ImagesDone, value.ImagesTotal, value.Elapsed,
            value.ImagesTotal - value.ImagesDone + (double)(value.Epochs - value.Epoch) * value.ImagesTotal,
            string.Create(CultureInfo.InvariantCulture, $"loss {value.RunningLoss:0.000}  "));

    public void Report(DownloadProgress value)
    {
        double total = value.TotalBytes ?? 0;
        double eta = value.BytesPerSecond > 0 && total > 0 ? (total - value.Bytes) / value.BytesPerSecond : 0;
        Write($"{value.File} ", value.TotalBytes is null ? 0 : value.Bytes / total,
            string.Create(CultureInfo.InvariantCulture,
                $"{value.Bytes / 1048576.0:0.0}/{(value.TotalBytes is null ? "?" : $"{total / 1048576.0:0.0}")} MiB  {value.BytesPerSecond / 1048576.0:0.00} MiB/s  ETA {TimeSpan.FromSeconds(Math.Round(eta)):g}  "));
    }

    void Draw(string prefix, int done, int total, TimeSpan elapsed, double remainingImages, string extra)
    {
        if (total == 0) return;
        double seconds = elapsed.TotalSeconds;
        double rate = seconds > 0 ? done / seconds : 0;
        double eta = rate > 0 ? remainingImages / rate : 0;
        Write(prefix, (double)done / total,
            string.Create(CultureInfo.InvariantCulture, $"{done}/{total} images  {rate:0.0} img/s  {extra}ETA {TimeSpan.FromSeconds(Math.Round(eta)):g}  "));
    }

    void Write(string prefix, double fraction, string text)
    {
        if (!enabled)
        {
            if (logEvery is { } every && clock.Elapsed - lastLog >= every)
            {
                lastLog = clock.Elapsed;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"freqprobe: progress: {prefix}{100 * Math.Clamp(fraction, 0, 1):0}%  {text.TrimEnd()}"));
            }
            return;
        }
        int filled = (int)(Math.Clamp(fraction, 0, 1) * Width);
        output.Write($"\r{prefix}[{new string('#', filled)}{new string('.', Width - filled)}] {text}");
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

    /// <summary>A writer whose lines end the bar's line first, so messages never land on the bar.</summary>
    public TextWriter LinesBelow(TextWriter inner) => new LineWriter(this, inner);

    sealed class LineWriter(ProgressBar bar, TextWriter inner) : TextWriter
    {
        public override System.Text.Encoding Encoding => inner.Encoding;

        public override void WriteLine(string? value)
        {
            bar.Finish();
            inner.WriteLine(value);
        }
    }
}
