namespace FreqProbe.Cli;

internal static class Program
{
    static int Main(string[] args) => FreqProbeApp.Run(args, Console.Out, Console.Error, interactive: !Console.IsErrorRedirected);
}
