using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace FreqProbe.Core.Datasets;

/// <summary>
/// Streams images of a dataset (the first <c>count</c>, or a given index list such as a shard) as preprocessed batches, in order. Each batch is
/// decoded on <c>threads</c> parallel CPU threads while the consumer computes on the previous one; at most two
/// batches wait in the queue, so memory does not grow with the dataset.
/// </summary>
public sealed class BatchStream
{
    const int QueueDepth = 2;

    readonly IImageDataset dataset;
    readonly IReadOnlyList<int> indices;
    readonly int batchSize;
    readonly PreprocessPolicy policy;
    readonly int threads;
    readonly BadImagePolicy onBadImage;

    /// <summary>Streams the first <paramref name="count"/> images; nothing is read until it is enumerated.</summary>
    public BatchStream(IImageDataset dataset, int count, int batchSize, PreprocessPolicy policy, int threads, BadImagePolicy onBadImage)
        : this(dataset, Enumerable.Range(0, count).ToArray(), batchSize, policy, threads, onBadImage)
    {
    }

    /// <summary>Streams the images at <paramref name="indices"/>, in that order; batches report these dataset indices.</summary>
    public BatchStream(IImageDataset dataset, IReadOnlyList<int> indices, int batchSize, PreprocessPolicy policy, int threads, BadImagePolicy onBadImage)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        if (indices.Any(i => i < 0 || i >= dataset.Count)) throw new ArgumentOutOfRangeException(nameof(indices), "an index lies outside the dataset");
        this.dataset = dataset;
        this.indices = indices;
        this.batchSize = batchSize;
        this.policy = policy;
        this.threads = threads;
        this.onBadImage = onBadImage;
    }

    /// <summary>The batches, in order. A bad image under <see cref="BadImagePolicy.Fail"/> raises <see cref="BadImageException"/>.</summary>
    public IEnumerable<ImageBatch> Read(CancellationToken cancellation = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        using var queue = new BlockingCollection<ImageBatch>(QueueDepth);
        ExceptionDispatchInfo? failure = null;
        Task producer = Task.Run(() =>
        {
            try
            {
                for (int start = 0; start < indices.Count && !stop.IsCancellationRequested; start += batchSize)
                {
                    queue.Add(Prepare(start, Math.Min(batchSize, indices.Count - start)), stop.Token);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                queue.CompleteAdding();
            }
        }, CancellationToken.None);
        try
        {
            foreach (ImageBatch batch in queue.GetConsumingEnumerable(cancellation))
            {
                yield return batch;
            }
        }
        finally
        {
            stop.Cancel();
            producer.Wait(CancellationToken.None);
        }
        failure?.Throw();
    }

    ImageBatch Prepare(int start, int n)
    {
        int size = policy.InputSize;
        int stride = 3 * size * size;
        var pixels = new float[n * stride];
        var errors = new BadImageException?[n];
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads };
        ParallelFailure.Run(() => Parallel.For(0, n, options, () => new byte[stride], (i, _, bytes) =>
        {
            try
            {
                dataset.Prepare(indices[start + i], policy, bytes);
                ImagePreprocessor.ToPlanes(bytes, pixels.AsSpan(i * stride, stride));
            }
            catch (BadImageException e)
            {
                errors[i] = e;
            }
            return bytes;
        }, _ => { }));
        var kept = new List<int>(n);
        var labels = new List<int>(n);
        var skipped = new List<SkippedImage>();
        for (int i = 0; i < n; i++)
        {
            int index = indices[start + i];
            if (errors[i] is { } error)
            {
                if (onBadImage == BadImagePolicy.Fail) throw error;
                skipped.Add(new SkippedImage(index, dataset.Describe(index), error.Reason));
                continue;
            }
            // Compact in place: good images move down over the skipped ones.
            if (kept.Count != i) pixels.AsSpan(i * stride, stride).CopyTo(pixels.AsSpan(kept.Count * stride, stride));
            kept.Add(index);
            labels.Add(dataset.LabelAt(index));
        }
        return new ImageBatch(pixels, kept.Count, size, kept.ToArray(), labels.ToArray(), skipped);
    }
}
