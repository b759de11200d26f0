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
        // scripts/export_model.py's check of a file it exported: FreqProbe's logits for its batch. Not a user command.
        if (args.Length == 7 && args[0] == FreqProbe.Core.Models.ExportCheck.Command)
        {
            try
            {
                FreqProbe.Core.Models.ExportCheck.Run(args[1], args[2], int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture),
                    int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture), int.Parse(args[5], System.Globalization.CultureInfo.InvariantCulture), args[6]);
                return 0;
            }
            catch (FreqProbe.Core.InputException e)
            {
                Console.Error.WriteLine($"freqprobe check-export: {e.Message}");
                return ExitCodes.InputError;
            }
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
