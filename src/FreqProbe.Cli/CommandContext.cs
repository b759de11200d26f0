namespace FreqProbe.Cli;

/// <summary>Where a command writes, whether stderr is a terminal, and the command line for provenance.</summary>
internal sealed record CommandContext(TextWriter Out, TextWriter Error, bool Interactive, string CommandLine);
