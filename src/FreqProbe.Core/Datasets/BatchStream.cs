using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace FreqProbe.Core.Datasets;

/// <summary>
/// Streams the first <c>count</c> images of a dataset as preprocessed batches, in dataset order. Each batch is
/// decoded on <c>threads</c> parallel CPU threads while the consumer computes on the previous one; at most two
/// batches wait in the queue, so memory does not grow with the dataset.
/// </summary>
public sealed class BatchStream
{
    const int QueueDepth = 2;

    readonly IImageDataset dataset;
    readonly int count;
    readonly int batchSize;
    readonly PreprocessPolicy policy;
    readonly int threads;
    readonly BadImagePolicy onBadImage;

    /// <summary>Describes the stream; nothing is read until it is enumerated.</summary>
    public BatchStream(IImageDataset dataset, int count, int batchSize, PreprocessPolicy policy, int threads, BadImagePolicy onBadImage)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, dataset.Count);
        this.dataset = dataset;
        this.count = count;
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
                for (int start = 0; start < count && !stop.IsCancellationRequested; start += batchSize)
                {
                    queue.Add(Prepare(start, Math.Min(batchSize, count - start)), stop.Token);
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
        Parallel.For(0, n, options, i =>
        {
            try
            {
                ImagePreprocessor.Apply(dataset.Decode(start + i), policy, pixels.AsSpan(i * stride, stride));
            }
            catch (BadImageException e)
            {
                errors[i] = e;
            }
        });
        var indices = new List<int>(n);
        var labels = new List<int>(n);
        var skipped = new List<SkippedImage>();
        for (int i = 0; i < n; i++)
        {
            if (errors[i] is { } error)
            {
                if (onBadImage == BadImagePolicy.Fail) throw error;
                skipped.Add(new SkippedImage(start + i, dataset.Describe(start + i), error.Reason));
                continue;
            }
            // Compact in place: good images move down over the skipped ones.
            if (indices.Count != i) pixels.AsSpan(i * stride, stride).CopyTo(pixels.AsSpan(indices.Count * stride, stride));
            indices.Add(start + i);
            labels.Add(dataset.LabelAt(start + i));
        }
        return new ImageBatch(pixels, indices.Count, size, indices.ToArray(), labels.ToArray(), skipped);
    }
}
