using System.Reflection;
using FreqProbe.Core.Tests.Support;

namespace FreqProbe.Cli.Tests;

// The command-line half of FreqProbe.Core.Tests' TemporaryScalarTests: no call in freqprobe itself hands libtorch a
// Scalar that may be finalized during the call.
public sealed class TemporaryScalarTests
{
    [Fact]
    public void Freqprobe_hands_libtorch_no_Scalar_that_nobody_keeps_alive()
    {
        Assembly cli = Assembly.Load("freqprobe");
        Assert.Contains(cli.GetTypes(), t => t.Name == "Program");
        IReadOnlyList<TemporaryScalars.Call> found = TemporaryScalars.Find(cli, new HashSet<string>());
        Assert.True(found.Count == 0, TemporaryScalars.Describe(found));
    }
}
