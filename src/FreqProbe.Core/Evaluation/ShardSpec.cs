using System.Globalization;

namespace FreqProbe.Core.Evaluation;

/// <summary>
/// Shard K of N: the images whose dataset index i satisfies i ≡ K (mod N). <see cref="Source"/> says which scheduler
/// task named it, for <c>--shard auto</c>.
/// </summary>
public sealed record ShardSpec(int Index, int Count)
{
    /// <summary>The scheduler task that named the shard (e.g. "slurm job 12, array task 3 of 0-15"); null for K/N.</summary>
    public string? Source { get; init; }

    /// <summary>Parses <c>K/N</c> with 0 ≤ K &lt; N.</summary>
    public static ShardSpec Parse(string text)
    {
        string[] parts = text.Split('/');
        if (parts.Length == 2 && Natural(parts[0]) is { } k && Natural(parts[1]) is { } n && n >= 1 && k < n) return new ShardSpec(k, n);
        throw new InputException("shard", $"'{text}' is not K/N with 0 <= K < N (e.g. 0/4 for the first of four shards), nor auto or auto/ARRAY.");
    }

    /// <summary>
    /// Resolves --shard: <c>K/N</c>, or <c>auto</c> / <c>auto/ARRAY</c>, which take the shard from the scheduler task
    /// running this process. ARRAY is the whole array as submitted, in Slurm's syntax: <c>N</c> (tasks 0..N-1),
    /// <c>A-B</c> or <c>A-B:S</c>; task id t is then shard (t-A)/S of (B-A)/S+1. Slurm: SLURM_ARRAY_TASK_ID, with the
    /// array's bounds from ARRAY, else from SLURM_ARRAY_TASK_MIN/MAX/STEP (refused for a lone task, which cannot know
    /// the array it was cut from). Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX, with the total from ARRAY (a pod is not
    /// told the Job's completions). <paramref name="environment"/> reads a variable (null when unset).
    /// </summary>
    public static ShardSpec Resolve(string text, Func<string, string?> environment)
    {
        if (text != "auto" && !text.StartsWith("auto/", StringComparison.Ordinal)) return Parse(text);
        string? array = text.Length > 5 ? text[5..] : null;
        string? Variable(string name) => environment(name) is { Length: > 0 } value ? value.Trim() : null;

        if (Variable("SLURM_ARRAY_TASK_ID") is { } slurmTask)
        {
            int task = Natural(slurmTask) ?? throw Refuse($"SLURM_ARRAY_TASK_ID is '{slurmTask}', not a task number");
            (int first, int last, int step) = array is not null ? Geometry(array) : SlurmBounds(Variable);
            string job = Variable("SLURM_ARRAY_JOB_ID") ?? Variable("SLURM_JOB_ID") ?? "?";
            return Place(task, first, last, step, $"slurm job {job}, array task {task} of {Describe(first, last, step)}");
        }
        if (Variable("JOB_COMPLETION_INDEX") is { } completion)
        {
            int index = Natural(completion) ?? throw Refuse($"JOB_COMPLETION_INDEX is '{completion}', not an index");
            if (array is null)
            {
                throw Refuse($"a Kubernetes Indexed Job (JOB_COMPLETION_INDEX={index}) does not tell its pods how many completions it has; " +
                    "expected auto/N with N = the Job's completions, e.g. --shard auto/4");
            }
            (int first, int last, int step) = Geometry(array);
            string pod = Variable("HOSTNAME") is { } host ? $" (pod {host})" : "";
            return Place(index, first, last, step, $"kubernetes indexed job, completion index {index} of {Describe(first, last, step)}{pod}");
        }
        throw Refuse("neither SLURM_ARRAY_TASK_ID (a Slurm array task) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set here; " +
            "expected K/N outside a scheduler");
    }

    static (int First, int Last, int Step) SlurmBounds(Func<string, string?> variable)
    {
        int? min = Natural(variable("SLURM_ARRAY_TASK_MIN")), max = Natural(variable("SLURM_ARRAY_TASK_MAX"));
        int? count = Natural(variable("SLURM_ARRAY_TASK_COUNT")), step = Natural(variable("SLURM_ARRAY_TASK_STEP") ?? "1");
        if (min is null || max is null || count is null || step is null or 0) throw Refuse("the Slurm array's bounds (SLURM_ARRAY_TASK_MIN/MAX/STEP/COUNT) are not all set");
        if (count == 1)
        {
            throw Refuse($"this is a lone array task ({min}), as in a re-run of one failed task, and it cannot know the array it was cut from; " +
                "expected --shard auto/ARRAY with the first submission's --array range, e.g. auto/0-15");
        }
        if ((max - min) % step != 0 || (max - min) / step + 1 != count)
        {
            throw Refuse($"the array ({count} tasks between {min} and {max}, step {step}) is not one evenly stepped range, as in a re-run of some tasks; " +
                "expected --shard auto/ARRAY with the first submission's --array range, e.g. auto/0-15");
        }
        return (min.Value, max.Value, step.Value);
    }

    // ARRAY: N, A-B or A-B:S.
    static (int First, int Last, int Step) Geometry(string array)
    {
        string[] stepParts = array.Split(':');
        string[] range = stepParts[0].Split('-');
        int? step = stepParts.Length == 1 ? 1 : stepParts.Length == 2 ? Natural(stepParts[1]) : null;
        if (range.Length == 1 && stepParts.Length == 1 && Natural(range[0]) is { } n && n >= 1) return (0, n - 1, 1);
        if (range.Length == 2 && Natural(range[0]) is { } a && Natural(range[1]) is { } b && a <= b && step is >= 1) return (a, b, step.Value);
        throw new InputException("shard", $"'auto/{array}' does not give the array: expected auto/N (tasks 0..N-1), auto/A-B or auto/A-B:S, " +
            "the --array range of the first submission.");
    }

    static ShardSpec Place(int task, int first, int last, int step, string source)
    {
        if (task < first || task > last || (task - first) % step != 0)
        {
            throw Refuse($"task {task} is not one of the array {Describe(first, last, step)}");
        }
        return new ShardSpec((task - first) / step, (last - first) / step + 1) { Source = source };
    }

    static string Describe(int first, int last, int step) =>
        string.Create(CultureInfo.InvariantCulture, $"{first}-{last}{(step == 1 ? "" : $":{step}")}");

    static InputException Refuse(string why) => new("shard", $"--shard auto cannot name this task's shard: {why}.");

    static int? Natural(string? text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? value : null;

    /// <summary>True when dataset index <paramref name="index"/> belongs to this shard.</summary>
    public bool Contains(int index) => index % Count == Index;

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}
