using System.Diagnostics;
using System.IO.Compression;
using FreqProbe.Core.Models;
using FreqProbe.Core.Tests.Support;
using Xunit.Abstractions;

namespace FreqProbe.Core.Tests.Models;

/// <summary>
/// The pickle scanner reads hostile bytes before anything else does, so it must survive any byte string: accept it or
/// refuse it as an input error, never crash. A seeded loop feeds it random bytes and mutations of real pickles.
/// </summary>
public sealed class PickleScanFuzzTests(ITestOutputHelper output)
{
    const string Path = "fuzz.pth";

    static Func<string, long?> Storages => _ => 1L << 20;

    // The report's four: a stack underflow at STOP... BINPUT on an empty stack, STACK_GLOBAL on an empty stack, and a
    // string whose length field says 4 GB.
    public static TheoryData<string> Reported => new() { "80023032", "800271002E", "8004932E", "800258FFFFFFFF" };

    [Theory]
    [MemberData(nameof(Reported))]
    public void The_reported_malformed_pickles_are_input_errors(string hex)
    {
        byte[] pickle = Convert.FromHexString(hex);
        foreach (bool torchScript in new[] { false, true })
        {
            InputException e = Assert.Throws<InputException>(() => PickleScan.ScanPickle(pickle, Path, Storages, torchScript));
            Assert.Contains($"'{Path}' is not a", e.Message, StringComparison.Ordinal);
        }
    }

    static IEnumerable<byte[]> Seeds()
    {
        using (ZipArchive zip = ZipFile.OpenRead(SharedData.Fixture("cifar_resnet20_hashed.pth")))
        {
            yield return Read(zip.Entries.First(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal)));
        }
        foreach (string model in new[] { "tiny-vit-traced", "tiny-convnext-scripted", "tiny-cnn-frozen" })
        {
            using ZipArchive zip = ZipFile.OpenRead(TorchScriptFixtures.Archive(model));
            foreach (ZipArchiveEntry e in zip.Entries.Where(e => e.FullName.EndsWith(".pkl", StringComparison.Ordinal))) yield return Read(e);
        }
    }

    static byte[] Read(ZipArchiveEntry entry)
    {
        using var memory = new MemoryStream();
        using (Stream stream = entry.Open()) stream.CopyTo(memory);
        return memory.ToArray();
    }

    // Opcodes a pickle can hold, to splice in; lengths that overflow or reach past the end.
    static readonly byte[] Opcodes = "()}]NKJMX\u008C\u0093Rbsuaet\u0085\u0086\u0087Qqrh\u0094j2010.c\u0081lG\u008AUTCB"u8.ToArray();

    static byte[] Mutate(byte[] seed, Random random)
    {
        var bytes = new List<byte>(seed);
        int edits = 1 + random.Next(4);
        for (int e = 0; e < edits && bytes.Count > 0; e++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0: bytes[at] = (byte)random.Next(256); break;
                case 1: bytes.Insert(at, Opcodes[random.Next(Opcodes.Length)]); break;
                case 2: bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(8))); break;
                case 3: bytes.RemoveRange(at, bytes.Count - at); break; // truncate
                case 4: bytes.InsertRange(at, new byte[] { (byte)'X', 0xFF, 0xFF, 0xFF, 0x7F }); break;
                default:
                {
                    int from = random.Next(bytes.Count);
                    bytes.InsertRange(at, bytes.GetRange(from, Math.Min(16, bytes.Count - from)));
                    break;
                }
            }
        }
        return bytes.ToArray();
    }

    [Fact]
    public void Random_and_mutated_pickles_are_accepted_or_refused_but_never_crash_the_scanner()
    {
        var random = new Random(20261204);
        byte[][] seeds = Seeds().ToArray();
        Assert.True(seeds.Length >= 4, "the fixtures' pickles are the seeds");
        int inputs = 0, refused = 0;
        var clock = Stopwatch.StartNew();
        for (int k = 0; k < 30_000; k++)
        {
            byte[] pickle = k % 3 == 0
                ? new byte[] { 0x80, 2 }.Concat(Enumerable.Range(0, random.Next(48)).Select(_ => random.Next(4) == 0 ? (byte)random.Next(256) : Opcodes[random.Next(Opcodes.Length)])).ToArray()
                : Mutate(seeds[random.Next(seeds.Length)], random);
            bool torchScript = random.Next(2) == 0;
            inputs++;
            try
            {
                PickleScan.ScanPickle(pickle, Path, Storages, torchScript);
            }
            catch (InputException)
            {
                refused++;
            }
            catch (Exception e)
            {
                Assert.Fail($"input {k} ({Convert.ToHexString(pickle.AsSpan(0, Math.Min(64, pickle.Length)))}...) crashed the scanner: {e}");
            }
        }
        output.WriteLine($"{inputs} pickles ({refused} refused) in {clock.Elapsed.TotalSeconds:F2} s");
        Assert.InRange(refused, inputs / 10, inputs); // the mutations mostly break them: the loop really exercises refusals
    }
}
