using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace FreqProbe.Cli.Commands;

/// <summary>
/// Number options parse with messages that name the option, the value and what was expected in words ("--limit: 'ten'
/// is not a whole number"), instead of the parser's own wording with .NET type names. Applied to every option of
/// the command tree, so a new command gets it too.
/// </summary>
internal static class NumberOptions
{
    /// <summary>Gives every number option of <paramref name="commands"/> a parser with such messages.</summary>
    public static void Apply(IEnumerable<Command> commands)
    {
        foreach (Option option in commands.SelectMany(c => c.Options))
        {
            switch (option)
            {
                case Option<int> o: o.CustomParser = r => Parse(r, "a whole number", Int) ?? 0; break;
                case Option<int?> o: o.CustomParser = r => Parse(r, "a whole number", Int); break;
                case Option<ulong> o: o.CustomParser = r => Parse(r, "a non-negative whole number", Unsigned) ?? 0; break;
                case Option<double> o: o.CustomParser = r => Parse(r, "a number", Real) ?? 0; break;
                case Option<double?> o: o.CustomParser = r => Parse(r, "a number", Real); break;
            }
        }
    }

    static int? Int(string text) => int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v) ? v : null;

    static ulong? Unsigned(string text) => ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v) ? v : null;

    static double? Real(string text) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : null;

    static T? Parse<T>(ArgumentResult result, string expected, Func<string, T?> parse) where T : struct
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (parse(text) is { } value) return value;
        string option = (result.Parent as OptionResult)?.Option.Name ?? "option";
        result.AddError($"{option}: '{text}' is not {expected}.");
        return null;
    }
}
