using AiInference.Runtime;
using Platform.Ai;

namespace AiInference.Serving;

/// <summary>
/// One loaded model version: its session, its batcher, and a count of requests using it, so that
/// a newer version can replace it while those requests finish on it (hot reload loses nothing).
/// </summary>
internal sealed class ServedModel : IAsyncDisposable
{
    private readonly InferenceSession _session;
    private readonly DynamicBatcher? _batcher;
    private int _leases;
    private int _disposed;
    private volatile bool _retired;

    public ServedModel(AiModel row, InferenceSession session, InferenceMetrics metrics, int executors)
    {
        Row = row;
        _session = session;
        Inputs = session.Inputs;
        Outputs = session.Outputs;
        // Batching needs a batch dimension on every input and output; otherwise each request runs alone.
        Batchable = session.Inputs.All(i => i.Kind == OnnxValueKind.Tensor && i.Shape.Count > 0 && i.Shape[0] == -1)
            && session.Outputs.All(o => o.Kind == OnnxValueKind.Sequence || (o.Shape.Count > 0 && o.Shape[0] == -1));
        if (Batchable && row.MaxBatchSize > 1)
        {
            _batcher = new DynamicBatcher(session, row.Name, row.MaxBatchSize, TimeSpan.FromMicroseconds(row.MaxQueueDelayMicroseconds), executors, metrics);
        }
    }

    public AiModel Row { get; }

    public string Name => Row.Name;

    public int Version => Row.Version;

    public IReadOnlyList<NodeMetadata> Inputs { get; }

    public IReadOnlyList<NodeMetadata> Outputs { get; }

    public bool Batchable { get; }

    public bool BatchingEnabled => _batcher is not null;

    /// <summary>Takes a lease for one request; false once retired (look the model up again).</summary>
    public bool TryAcquire()
    {
        Interlocked.Increment(ref _leases);
        if (_retired)
        {
            Interlocked.Decrement(ref _leases);
            return false;
        }

        return true;
    }

    public void Release() => Interlocked.Decrement(ref _leases);

    public async Task<IReadOnlyList<NamedOnnxValue>> InferAsync(ModelInput input, CancellationToken cancellationToken)
    {
        if (_batcher is not null)
        {
            return await _batcher.InferAsync(input, cancellationToken).ConfigureAwait(false);
        }

        // Unbatched: the request's own thread runs the model (ORT sessions allow concurrent runs).
        return _session.Run(input.Tensors, null, cancellationToken);
    }

    /// <summary>Stops taking requests, waits for the ones holding a lease, then releases the session.</summary>
    public async ValueTask DisposeAsync()
    {
        // The host may stop the loader more than once; the session is released once.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _retired = true;
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (Volatile.Read(ref _leases) > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10).ConfigureAwait(false);
        }

        if (_batcher is not null)
        {
            await _batcher.DisposeAsync().ConfigureAwait(false);
        }

        _session.Dispose();
    }
}
