using FreqProbe.Core.Assets;

namespace FreqProbe.Core.Planning;

/// <summary>
/// What resolution may consult besides the given settings: the cache, whether downloads are allowed and from where,
/// and the command line for provenance.
/// </summary>
/// <param name="CacheRoot">The cache folder ($FREQPROBE_HOME, else ~/.cache/freqprobe).</param>
/// <param name="Offline">Never download (--offline, FREQPROBE_OFFLINE=1).</param>
/// <param name="Mirror">Base URL holding the official file names (FREQPROBE_MIRROR), or null for the publishers' URLs.</param>
/// <param name="CommandLine">The command as typed.</param>
/// <param name="OutputFoldersCreated">Output folders that do not exist yet will be created (a sweep's out_dir).</param>
public sealed record ResolverEnvironment(string CacheRoot, bool Offline = false, string? Mirror = null, string CommandLine = "", bool OutputFoldersCreated = false)
{
    /// <summary>Reads an environment variable (--shard auto reads the scheduler's); the process environment by default.</summary>
    public Func<string, string?> Variable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>The cache.</summary>
    public AssetCache Cache => new(CacheRoot);

    /// <summary>
    /// The environment of this process: FREQPROBE_HOME (or ~/.cache/freqprobe), FREQPROBE_OFFLINE=1 and FREQPROBE_MIRROR,
    /// read through <paramref name="variable"/> (default: the process environment).
    /// </summary>
    public static ResolverEnvironment FromVariables(string commandLine, Func<string, string?>? variable = null)
    {
        variable ??= Environment.GetEnvironmentVariable;
        string root = AssetCache.RootFrom(variable);
        bool offline = variable("FREQPROBE_OFFLINE") is { Length: > 0 } flag && flag != "0" && !flag.Equals("false", StringComparison.OrdinalIgnoreCase);
        string? mirror = variable("FREQPROBE_MIRROR") is { Length: > 0 } m ? m : null;
        return new ResolverEnvironment(root, offline, mirror, commandLine) { Variable = variable };
    }

    /// <summary>Where <paramref name="spec"/> is downloaded from: the mirror when set, else the publisher.</summary>
    public Uri SourceOf(AssetSpec spec) => spec.At(Mirror);
}

/// <summary>Weights the plan needs that are not in the cache yet: what, from where, and where they go.</summary>
public sealed record WeightsDownload(AssetSpec Spec, Uri Source, string FinalPath);
