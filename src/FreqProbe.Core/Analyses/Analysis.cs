using FreqProbe.Core.Evaluation;
using FreqProbe.Core.Planning;
using FreqProbe.Core.Results;

namespace FreqProbe.Core.Analyses;

/// <summary>
/// One analysis of a model on images beyond the filter sweeps (heat maps, interactions): its command name, its own
/// settings, declared as <see cref="Setting"/>s like the run settings so that options, help, shard-merge checks and
/// provenance read them from one place, its file format and its merge. <see cref="Analysis{TRequest, TResult}"/>
/// implements it; a command binds options and calls it.
/// </summary>
public interface IAnalysis
{
    /// <summary>The command name, e.g. heatmap.</summary>
    string Name { get; }

    /// <summary>The format tag of its JSON result (<see cref="IO.FormatTags"/>); merge picks the analysis by it.</summary>
    string FormatTag { get; }

    /// <summary>Its own settings, in help order (the shared run settings come from <see cref="RunSettings"/>).</summary>
    IReadOnlyList<Setting> Settings { get; }

    /// <summary>The extensions its --out accepts.</summary>
    IReadOnlyList<string> Extensions { get; }

    /// <summary>What a run produces, for messages: "the heat map".</summary>
    string Product { get; }

    /// <summary>
    /// Merges the JSON results of shards 0..N−1 of one run (<paramref name="paths"/>) into <paramref name="outPath"/>,
    /// refusing shards of different runs by every setting that changes the numbers.
    /// </summary>
    MergeReport MergeFiles(IReadOnlyList<string> paths, string outPath, string command);

    /// <summary>
    /// Plans a run from <paramref name="given"/> and the resolved <paramref name="evaluation"/> (as
    /// <see cref="Analysis{TRequest, TResult}.Plan"/>), for callers that hold analyses of every kind (config runs).
    /// </summary>
    IPlannedAnalysis? Prepare(GivenSettings given, RunRequest? evaluation, List<string> problems);

    /// <summary>The provenance of a JSON result written by the analysis (what a config's resume compares).</summary>
    RunMetadata ReadMetadata(string path);
}

/// <summary>A planned run of some analysis: run it, then write its result to each path.</summary>
public interface IPlannedAnalysis
{
    /// <summary>
    /// Runs the analysis (keeping a checkpoint at <paramref name="checkpointPath"/>, and continuing from it with
    /// <paramref name="resume"/>) and writes its result to every one of <paramref name="paths"/>; returns its provenance.
    /// </summary>
    RunMetadata RunAndWrite(IReadOnlyList<string> paths, GivenSettings given, string? checkpointPath, bool resume, IProgress<SweepProgress>? progress,
        Action<string>? notice, CancellationToken cancellation);
}

/// <summary>What a merge reports: one line for stderr, and a table for stdout or null.</summary>
public sealed record MergeReport(string Summary, string? Table);

/// <summary>
/// The shape every analysis has: it plans a request from the given settings (its own, with the defaults of the
/// settings table, and the resolved evaluation), runs it, writes its result by extension, reads its JSON back and
/// merges shards. The merge check of the shared and the analysis's own settings is made here, once.
/// </summary>
/// <typeparam name="TRequest">What a run needs.</typeparam>
/// <typeparam name="TResult">What a run gives.</typeparam>
public abstract class Analysis<TRequest, TResult> : IAnalysis
    where TRequest : class
{
    /// <inheritdoc/>
    public abstract string Name { get; }

    /// <inheritdoc/>
    public abstract string FormatTag { get; }

    /// <inheritdoc/>
    public abstract IReadOnlyList<Setting> Settings { get; }

    /// <inheritdoc/>
    public abstract IReadOnlyList<string> Extensions { get; }

    /// <inheritdoc/>
    public abstract string Product { get; }

    /// <summary>
    /// The request for <paramref name="evaluation"/> with the analysis's settings from <paramref name="given"/> (else
    /// their defaults); every problem goes to <paramref name="problems"/>, named by its option, and the result is then null.
    /// Without an evaluation (it had problems of its own) the analysis still checks its own settings.
    /// </summary>
    public abstract TRequest? Plan(GivenSettings given, RunRequest? evaluation, List<string> problems);

    /// <summary>
    /// Runs <paramref name="request"/>. <paramref name="resumeFrom"/> is the partial result of an interrupted run of the
    /// same request, whose work is not done again; <paramref name="snapshot"/> gets, before any work and after each
    /// finished unit of it (a batch, an image), a function that makes the partial result so far. A partial result is
    /// a result of the images finished, as a shard's is, so resuming gives what an uninterrupted run gives.
    /// </summary>
    public abstract TResult Run(TRequest request, IProgress<SweepProgress>? progress, Action<string>? notice, TResult? resumeFrom, Action<Func<TResult>>? snapshot,
        CancellationToken cancellation);

    /// <summary>
    /// Runs <paramref name="request"/> keeping its partial result at <paramref name="checkpointPath"/> (null: none) every
    /// <paramref name="checkpointSeconds"/> and when cancelled (Ctrl-C), and continuing from it with
    /// <paramref name="resume"/>; a checkpoint of a run with other settings that change the numbers is refused, naming
    /// them. The checkpoint is removed when the run finishes.
    /// </summary>
    public TResult RunResumable(TRequest request, string? checkpointPath, bool resume, double checkpointSeconds, IProgress<SweepProgress>? progress,
        Action<string>? notice, CancellationToken cancellation)
    {
        if (resume && checkpointPath is null) throw new InputException("resume", "needs --out, beside which the checkpoint is kept.");
        // What the data is matters only to a checkpoint, so it is worked out (hashing CIFAR batches takes a moment)
        // only when one is saved or resumed.
        string? dataStamp = null;
        string DataStamp()
        {
            if (dataStamp is null)
            {
                using Datasets.IImageDataset data = Datasets.DatasetRegistry.Open(EvaluationOf(request).Dataset);
                dataStamp = data.ContentStamp();
            }
            return dataStamp;
        }
        TResult? from = default;
        if (resume && checkpointPath is not null && File.Exists(checkpointPath))
        {
            (from, string savedStamp) = AnalysisCheckpoint.Load(checkpointPath, FormatTag, Read);
            if (savedStamp != DataStamp())
            {
                throw new InputException("resume", $"the data changed since {checkpointPath} was saved (its files' content, names, sizes or times differ: " +
                    $"{savedStamp} then, {DataStamp()} now); resuming would mix two datasets. Restore the data, or run without --resume to start afresh.");
            }
            notice?.Invoke($"resuming from {checkpointPath} ({Metadata(from).Evaluated} images finished)");
        }
        Func<TResult>? latest = null;
        bool checkedResume = from is null;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Save()
        {
            if (checkpointPath is null || latest is null) return;
            AnalysisCheckpoint.Save(checkpointPath, FormatTag, DataStamp(), path => Write(latest(), GivenSettings.None, path));
            clock.Restart();
        }
        void Snapshot(Func<TResult> partial)
        {
            latest = partial;
            if (!checkedResume)
            {
                // Before any work: the checkpoint must come from a run of these settings, as the result files record
                // them (this run's partial result goes through the same file format as the checkpoint's).
                checkedResume = true;
                var saved = RunSettings.Recorded(Metadata(from!), Settings);
                string roundTrip = checkpointPath + ".this-run.json";
                RunMetadata current;
                try
                {
                    Write(partial(), GivenSettings.None, roundTrip);
                    current = Metadata(Read(roundTrip));
                }
                finally
                {
                    File.Delete(roundTrip);
                }
                var now = RunSettings.Recorded(current, Settings);
                string[] differ = saved.Zip(now).Where(p => p.First.Value != p.Second.Value)
                    .Select(p => $"{p.Second.Names}: checkpoint {p.First.Value}, this run {p.Second.Value}").ToArray();
                if (differ.Length > 0)
                {
                    throw new InputException("resume", $"{checkpointPath} belongs to a different run; delete it or run without --resume.\n  " + string.Join("\n  ", differ));
                }
            }
            if (clock.Elapsed.TotalSeconds >= checkpointSeconds) Save();
        }
        TResult result;
        try
        {
            result = Run(request, progress, notice, from, checkpointPath is null ? null : Snapshot, cancellation);
        }
        catch (OperationCanceledException)
        {
            if (checkedResume) Save(); // everything finished so far is kept for --resume
            throw;
        }
        if (checkpointPath is not null) File.Delete(checkpointPath);
        return result;
    }

    /// <summary>The evaluation settings of <paramref name="request"/>: model, data, execution, --checkpoint-every.</summary>
    public abstract RunRequest EvaluationOf(TRequest request);

    /// <summary>Seconds between checkpoints of a run of <paramref name="request"/> (--checkpoint-every).</summary>
    public double CheckpointSeconds(TRequest request) => EvaluationOf(request).CheckpointSeconds;

    /// <summary>Writes <paramref name="result"/> to <paramref name="path"/> by its extension; <paramref name="given"/> holds output-only settings.</summary>
    public abstract void Write(TResult result, GivenSettings given, string path);

    /// <summary>Reads a JSON result written by <see cref="Write"/>, refusing other formats by their tag.</summary>
    public abstract TResult Read(string path);

    /// <summary>The provenance of <paramref name="result"/>, with the analysis's settings in <see cref="RunMetadata.Parameters"/>.</summary>
    public abstract RunMetadata Metadata(TResult result);

    /// <summary>Combines checked shards, in shard order, into the unsharded run's result.</summary>
    protected abstract TResult Combine(IReadOnlyList<TResult> shards, RunMetadata merged);

    /// <summary>What shard <paramref name="other"/> differs in from <paramref name="first"/> beyond the settings (e.g. the images selected).</summary>
    protected virtual IEnumerable<string> OtherDifferences(TResult first, TResult other) => Array.Empty<string>();

    /// <summary>The stderr line of a merge.</summary>
    protected abstract string Merged(TResult merged, int shards, string outPath);

    /// <summary>The stdout table of a merge, or null.</summary>
    protected virtual string? MergedTable(TResult merged) => null;

    /// <summary>
    /// Merges shards 0..N−1 of one run into the unsharded run's result. Refuses what <see cref="ShardMerger.CheckShards"/>
    /// refuses, including a difference in any of the analysis's own settings that change the numbers.
    /// </summary>
    public TResult Merge(IReadOnlyList<(string Path, TResult Result)> shards, string command)
    {
        ShardMerger.CheckShards(shards.Select(s => (s.Path, Metadata(s.Result))).ToArray(), Settings,
            k => OtherDifferences(shards[0].Result, shards[k].Result));
        RunMetadata metadata = ShardMerger.MergedMetadata(shards.Select(s => Metadata(s.Result)).ToArray(), command);
        return Combine(shards.Select(s => s.Result).ToArray(), metadata);
    }

    /// <inheritdoc/>
    public IPlannedAnalysis? Prepare(GivenSettings given, RunRequest? evaluation, List<string> problems) =>
        Plan(given, evaluation, problems) is { } request ? new Planned(this, request) : null;

    /// <inheritdoc/>
    public RunMetadata ReadMetadata(string path) => Metadata(Read(path));

    sealed class Planned(Analysis<TRequest, TResult> analysis, TRequest request) : IPlannedAnalysis
    {
        public RunMetadata RunAndWrite(IReadOnlyList<string> paths, GivenSettings given, string? checkpointPath, bool resume, IProgress<SweepProgress>? progress,
            Action<string>? notice, CancellationToken cancellation)
        {
            TResult result = analysis.RunResumable(request, checkpointPath, resume, analysis.CheckpointSeconds(request), progress, notice, cancellation);
            foreach (string path in paths) analysis.Write(result, given, path);
            return analysis.Metadata(result);
        }
    }

    /// <inheritdoc/>
    public MergeReport MergeFiles(IReadOnlyList<string> paths, string outPath, string command)
    {
        var shards = paths.Select(path => (path, Read(path))).ToArray();
        TResult merged = Merge(shards, command);
        Write(merged, GivenSettings.None, outPath);
        return new MergeReport(Merged(merged, shards.Length, outPath), MergedTable(merged));
    }
}
