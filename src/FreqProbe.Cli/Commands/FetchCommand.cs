using System.CommandLine;
using FreqProbe.Core;
using FreqProbe.Core.Assets;

namespace FreqProbe.Cli.Commands;

/// <summary>`freqprobe fetch`: download, verify and unpack standard assets into the cache.</summary>
internal static class FetchCommand
{
    public static Command Create(CommandContext context)
    {
        var names = new Argument<string[]>("NAME") { Description = $"Assets: {string.Join(", ", AssetCatalog.Names)}.", Arity = ArgumentArity.ZeroOrMore };
        var cacheDir = new Option<string?>("--cache-dir") { Description = "Cache folder (default: $FREQPROBE_HOME, else ~/.cache/freqprobe)." };
        var url = new Option<string?>("--url") { Description = "Download this URL instead of the official one (one NAME only); the checksum still applies." };
        var mirror = new Option<string?>("--mirror") { Description = "Base URL of a mirror holding the official file names, e.g. https://mirror.example/freqprobe." };
        var list = new Option<bool>("--list") { Description = "List the assets, their sources and whether they are cached." };
        var command = new Command("fetch",
            "Download, verify and unpack standard assets into the cache, which the other commands then use:\n" +
            "  cifar10     the official CIFAR-10 binary release (MD5-checked), unpacked to datasets/cifar10/cifar-10-batches-bin;\n" +
            "              `--dataset cifar10` without --data then reads it.\n" +
            "  resnet50 …  torchvision's ImageNet weights (SHA-256 prefix from the file name, as torchvision checks);\n" +
            "              `--model resnet50 --weights torchvision` (or torchvision-v2) then loads them.\n" +
            "Transfers resume with HTTP range requests and retry with backoff. Datasets download only with this command; the\n" +
            "weights of `--model NAME` also download on first use (not with --offline or FREQPROBE_OFFLINE=1).\n" +
            "ImageNet itself cannot be downloaded without an account; see README.\n\n" +
            "Example:\n  freqprobe fetch cifar10 resnet50");
        command.Arguments.Add(names);
        foreach (Option option in new Option[] { cacheDir, url, mirror, list }) command.Options.Add(option);
        command.SetAction(async (parsed, cancellation) =>
        {
            var cache = new AssetCache(parsed.GetValue(cacheDir) ?? AssetCache.DefaultRoot);
            string[] requested = parsed.GetValue(names) ?? Array.Empty<string>();
            if (parsed.GetValue(list) || requested.Length == 0)
            {
                foreach (AssetSpec spec in AssetCatalog.All)
                {
                    context.Table.WriteLine($"{spec.Name,-14} {(cache.Has(spec) ? "cached " : "missing")}  {spec.Description}\n{"",-14}          {spec.Url}");
                }
                context.Table.WriteLine($"cache: {cache.Root}");
                return ExitCodes.Success;
            }
            var problems = new List<string>();
            var specs = new List<AssetSpec>();
            foreach (string name in requested)
            {
                try
                {
                    specs.Add(AssetCatalog.Get(name));
                }
                catch (InputException e)
                {
                    problems.Add(e.Message);
                }
            }
            string? overrideUrl = parsed.GetValue(url);
            string? mirrorBase = parsed.GetValue(mirror);
            if (overrideUrl is not null && requested.Length != 1) problems.Add("--url: names one file, so give exactly one NAME.");
            if (overrideUrl is not null && mirrorBase is not null) problems.Add("--url and --mirror: give one or the other.");
            foreach (string? text in new[] { overrideUrl, mirrorBase })
            {
                if (text is not null && !(Uri.TryCreate(text, UriKind.Absolute, out Uri? parsedUri) && parsedUri.Scheme is "http" or "https"))
                {
                    problems.Add($"'{text}' is not an http or https URL; expected e.g. https://host/path.");
                }
            }
            if (File.Exists(cache.Root))
            {
                problems.Add($"--cache-dir: '{cache.Root}' is a file; expected a folder (created if missing).");
            }
            if (context.Resolver.Offline)
            {
                problems.Add("fetch downloads, and FREQPROBE_OFFLINE=1 forbids any download here; expected it unset (or 0) for fetch.");
            }
            if (problems.Count > 0)
            {
                foreach (string problem in problems) context.Error.WriteLine($"freqprobe: error: {problem}");
                return ExitCodes.InputError;
            }
            AssetFetcher fetcher = WeightsDownloads.Fetcher(cache);
            using var bar = new ProgressBar(context.Error, context.ShowsProgress, context.ProgressLines(quiet: false));
            foreach (AssetSpec spec in specs)
            {
                Uri? source = overrideUrl is not null ? new Uri(overrideUrl) : mirrorBase is not null ? spec.At(mirrorBase) : null;
                context.Error.WriteLine($"freqprobe fetch: {spec.Name} from {source ?? new Uri(spec.Url)}");
                string path = await fetcher.FetchAsync(spec, source, bar, bar.LinesBelow(context.Error), cancellation);
                bar.Finish();
                context.Table.WriteLine($"{spec.Name}: {path}");
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
