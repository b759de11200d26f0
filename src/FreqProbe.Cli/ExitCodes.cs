namespace FreqProbe.Cli;

/// <summary>Process exit codes.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int InternalFailure = 1;
    public const int Regressed = 1;
    public const int InputError = 2;
    public const int Interrupted = 130;
}
