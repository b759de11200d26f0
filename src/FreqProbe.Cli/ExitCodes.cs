namespace FreqProbe.Cli;

/// <summary>Process exit codes, the same for every command.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int InternalFailure = 1;
    public const int InputError = 2;
    public const int Regressed = 3;
    public const int Interrupted = 130;

    /// <summary>The codes in words, for --help.</summary>
    public const string Help =
        "Exit codes: 0 success; 1 internal failure (a bug or a failing system: please report it); 2 bad usage or input\n" +
        "(the message names the file or option, the value and what was expected); 3 `compare` found a regression;\n" +
        "130 interrupted (Ctrl-C; a run with --out keeps a checkpoint for --resume).";
}
