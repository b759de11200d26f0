namespace FreqProbe.Cli;

/// <summary>While it lives, Ctrl-C cancels <see cref="Token"/> instead of killing the process, so work can be saved and the exit code say 130.</summary>
internal sealed class CtrlC : IDisposable
{
    readonly CancellationTokenSource source = new();
    readonly ConsoleCancelEventHandler handler;

    public CtrlC()
    {
        handler = (_, e) =>
        {
            e.Cancel = true;
            source.Cancel();
        };
        Console.CancelKeyPress += handler;
    }

    /// <summary>Cancelled on Ctrl-C.</summary>
    public CancellationToken Token => source.Token;

    public void Dispose()
    {
        Console.CancelKeyPress -= handler;
        source.Dispose();
    }
}
