using System.Threading.Channels;
using AiInference.Models;
using AiInference.Serving;
using Microsoft.Extensions.Options;
using Platform.Ai;

namespace AiInference.Predictions;

/// <summary>
/// Where requests drop their predictions: a bounded in-memory buffer that never blocks a request.
/// <see cref="PredictionLogWriter"/> empties it into <c>ai_predictions</c>. When the database falls
/// behind and the buffer is full, rows are dropped and counted (aiinference.predictions.dropped).
/// </summary>
internal sealed class PredictionLog(IOptions<ModelServingOptions> options, InferenceMetrics metrics)
{
    private readonly Channel<AiPrediction> _buffer = Channel.CreateBounded<AiPrediction>(new BoundedChannelOptions(options.Value.PredictionLogCapacity)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    private long _pending;

    public ChannelReader<AiPrediction> Reader => _buffer.Reader;

    /// <summary>Rows accepted and not yet written (tests wait on it).</summary>
    public long Pending => Interlocked.Read(ref _pending);

    public void Add(AiPrediction prediction)
    {
        // DropWrite reports success even when it drops; count first to tell the two apart.
        if (_buffer.Reader.Count >= options.Value.PredictionLogCapacity)
        {
            metrics.PredictionDropped();
            return;
        }

        if (_buffer.Writer.TryWrite(prediction))
        {
            Interlocked.Increment(ref _pending);
        }
    }

    public void Written(int count) => Interlocked.Add(ref _pending, -count);
}
