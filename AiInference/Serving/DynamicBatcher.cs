using System.Diagnostics;
using System.Threading.Channels;
using AiInference.Runtime;

namespace AiInference.Serving;

/// <summary>
/// Coalesces concurrent requests to one model into batched runs: a request waits at most
/// <c>maxQueueDelay</c> for others, a batch holds at most <c>maxBatchSize</c> rows, requests are
/// concatenated along the first dimension, run once, and the outputs split back by row counts.
/// While every executor is busy, requests pile up and the next batch takes them all, so batches
/// grow with load without a longer delay. Requests that cannot share a batch (another shape, or a
/// run that fails) run on their own, so one bad request never fails its neighbours.
/// </summary>
internal sealed class DynamicBatcher : IAsyncDisposable
{
    private readonly InferenceSession _session;
    private readonly string _modelName;
    private readonly int _maxBatchSize;
    private readonly TimeSpan _maxQueueDelay;
    private readonly InferenceMetrics _metrics;
    private readonly Channel<PendingInference> _pending = Channel.CreateUnbounded<PendingInference>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _executors;
    private readonly int _executorCount;
    private readonly Task _collector;

    public DynamicBatcher(InferenceSession session, string modelName, int maxBatchSize, TimeSpan maxQueueDelay, int executors, InferenceMetrics metrics)
    {
        _session = session;
        _modelName = modelName;
        _maxBatchSize = maxBatchSize;
        _maxQueueDelay = maxQueueDelay;
        _metrics = metrics;
        _executorCount = Math.Max(1, executors);
        _executors = new SemaphoreSlim(_executorCount, _executorCount);
        _collector = Task.Run(CollectAsync);
    }

    public Task<IReadOnlyList<NamedOnnxValue>> InferAsync(ModelInput input, CancellationToken cancellationToken)
    {
        var pending = new PendingInference(input, cancellationToken);
        if (!_pending.Writer.TryWrite(pending))
        {
            throw new InvalidOperationException($"model '{_modelName}' was unloaded");
        }

        return pending.Completion.Task;
    }

    /// <summary>Finishes every request already queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _collector.ConfigureAwait(false);
        for (var i = 0; i < _executorCount; i++)
        {
            await _executors.WaitAsync().ConfigureAwait(false);
        }

        _executors.Dispose();
    }

    private async Task CollectAsync()
    {
        var reader = _pending.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            await _executors.WaitAsync().ConfigureAwait(false);
            var batch = new List<PendingInference>();
            long rows = 0;
            while (rows < _maxBatchSize && reader.TryPeek(out var next) && (batch.Count == 0 || rows + next.Input.Rows <= _maxBatchSize) && reader.TryRead(out next))
            {
                batch.Add(next);
                rows += next.Input.Rows;
            }

            if (rows < _maxBatchSize && _maxQueueDelay > TimeSpan.Zero && batch.Count > 0)
            {
                rows = await WaitForMoreAsync(reader, batch, rows).ConfigureAwait(false);
            }

            if (batch.Count == 0)
            {
                _executors.Release();
                continue;
            }

            _ = Task.Run(() =>
            {
                try
                {
                    Execute(batch);
                }
                finally
                {
                    _executors.Release();
                }
            });
        }
    }

    // Until the batch is full or the first request has waited the maximum delay.
    private async Task<long> WaitForMoreAsync(ChannelReader<PendingInference> reader, List<PendingInference> batch, long rows)
    {
        var deadline = batch[0].Enqueued + _maxQueueDelay;
        while (rows < _maxBatchSize)
        {
            while (rows < _maxBatchSize && reader.TryPeek(out var next) && rows + next.Input.Rows <= _maxBatchSize && reader.TryRead(out next))
            {
                batch.Add(next);
                rows += next.Input.Rows;
            }

            var remaining = deadline - Stopwatch.GetElapsedTime(0);
            if (rows >= _maxBatchSize || remaining <= TimeSpan.Zero || (reader.TryPeek(out var waiting) && rows + waiting.Input.Rows > _maxBatchSize))
            {
                break;
            }

            using var timeout = new CancellationTokenSource(remaining);
            try
            {
                if (!await reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false))
                {
                    break;
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return rows;
    }

    private void Execute(List<PendingInference> batch)
    {
        var started = Stopwatch.GetTimestamp();
        var live = new List<PendingInference>(batch.Count);
        foreach (var pending in batch)
        {
            if (pending.CancellationToken.IsCancellationRequested)
            {
                pending.Completion.TrySetCanceled(pending.CancellationToken);
                continue;
            }

            _metrics.Queued(_modelName, Stopwatch.GetElapsedTime(pending.EnqueuedTimestamp, started).TotalMilliseconds);
            live.Add(pending);
        }

        foreach (var group in live.GroupBy(p => p.Input.Signature))
        {
            var requests = group.ToList();
            if (requests.Count == 1)
            {
                RunAlone(requests[0]);
                continue;
            }

            IReadOnlyList<NamedOnnxValue> outputs;
            var runStarted = Stopwatch.GetTimestamp();
            try
            {
                outputs = _session.Run(BatchTensors.Concatenate(requests.Select(r => r.Input).ToList()));
            }
            catch (OrtException)
            {
                // One request's data may have failed the whole batch: each runs alone and gets its own answer.
                foreach (var request in requests)
                {
                    RunAlone(request);
                }

                continue;
            }

            _metrics.Batch(_modelName, requests.Count, Stopwatch.GetElapsedTime(runStarted).TotalMilliseconds);
            try
            {
                var split = BatchTensors.Split(outputs, requests.Select(r => r.Input.Rows).ToList());
                for (var i = 0; i < requests.Count; i++)
                {
                    requests[i].Completion.TrySetResult(split[i]);
                }
            }
            catch (InvalidOperationException)
            {
                // An output without a batch dimension cannot be split: answer each request from its own run.
                foreach (var request in requests)
                {
                    RunAlone(request);
                }
            }
        }
    }

    private void RunAlone(PendingInference pending)
    {
        var runStarted = Stopwatch.GetTimestamp();
        try
        {
            var outputs = _session.Run(pending.Input.Tensors, null, pending.CancellationToken);
            _metrics.Batch(_modelName, 1, Stopwatch.GetElapsedTime(runStarted).TotalMilliseconds);
            pending.Completion.TrySetResult(outputs);
        }
        catch (Exception exception) when (exception is OrtException or ArgumentException)
        {
            pending.Completion.TrySetException(exception);
        }
    }

    private sealed class PendingInference(ModelInput input, CancellationToken cancellationToken)
    {
        public ModelInput Input { get; } = input;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public long EnqueuedTimestamp { get; } = Stopwatch.GetTimestamp();

        public TimeSpan Enqueued => Stopwatch.GetElapsedTime(0, EnqueuedTimestamp);

        public TaskCompletionSource<IReadOnlyList<NamedOnnxValue>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
