using System.Runtime.CompilerServices;

namespace FreqProbe.Core.Tests.Support;

/// <summary>
/// Points FREQPROBE_HOME at a fresh folder for this test process before any test runs, so that nothing a test does
/// (built-in weights, caches) touches the user's ~/.cache/freqprobe. Tests that need a cache of their own pass it
/// explicitly.
/// </summary>
public static class IsolatedHome
{
    /// <summary>The process's cache folder.</summary>
    public static string Root { get; } = Path.Combine(Path.GetTempPath(), $"freqprobe-tests-home-{Environment.ProcessId}-{Guid.NewGuid():N}");

    [ModuleInitializer]
    internal static void Install()
    {
        Directory.CreateDirectory(Root);
        Environment.SetEnvironmentVariable("FREQPROBE_HOME", Root);
        Environment.SetEnvironmentVariable("FREQPROBE_OFFLINE", null);
        Environment.SetEnvironmentVariable("FREQPROBE_MIRROR", null);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        };
    }
}
