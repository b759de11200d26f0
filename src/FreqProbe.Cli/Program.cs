using FreqProbe.Core.IO;

namespace FreqProbe.Cli;

internal static class Program
{
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "_exit")]
    static extern void ExitNow(int code);

    static int Main(string[] args)
    {
        // The verification worker: a child process that runs known-answer checks of execution paths, so that a
        // backend that crashes takes down the child, not the run (FreqProbe.Core.Execution.PathVerifier). Not a user command.
        if (args.Length == 2 && args[0] == FreqProbe.Core.Execution.VerificationWorker.Command)
        {
            return FreqProbe.Core.Execution.VerificationWorker.Run(args[1], Console.Out);
        }
        CtrlC.HardExit = code =>
        {
            OutputLock.ReleaseHeld();
            Console.Out.Flush();
            ExitNow(code);
        };
        return FreqProbeApp.Run(args, Console.Out, Console.Error, interactive: !Console.IsErrorRedirected);
    }
}
