using System.Diagnostics.Metrics;

namespace AiInference.Serving;

/// <summary>
/// OpenTelemetry metrics of the server (meter "AiInference", exported by ServiceDefaults): requests per
/// model and outcome, batch sizes, time spent queued for a batch, and the runtime's run time.
/// </summary>
internal sealed class InferenceMetrics : IDisposable
{
    public const string MeterName = "AiInference";
    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Histogram<int> _batchSize;
    private readonly Histogram<double> _queueDelay;
    private readonly Histogram<double> _inferenceDuration;
    private readonly Counter<long> _predictionsDropped;

    public InferenceMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _requests = _meter.CreateCounter<long>("aiinference.requests", "{request}", "Inference requests per model and outcome");
        _batchSize = _meter.CreateHistogram<int>("aiinference.batch.size", "{request}", "Requests run together in one batch",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });
        _queueDelay = _meter.CreateHistogram<double>("aiinference.queue.delay", "ms", "Time a request waited for its batch to start");
        _inferenceDuration = _meter.CreateHistogram<double>("aiinference.inference.duration", "ms", "Time ONNX Runtime spent running one batch");
        _predictionsDropped = _meter.CreateCounter<long>("aiinference.predictions.dropped", "{prediction}", "Prediction log rows dropped because the log was full");
    }

    public void Request(string model, string outcome) =>
        _requests.Add(1, new KeyValuePair<string, object?>("model", model), new KeyValuePair<string, object?>("outcome", outcome));

    public void Batch(string model, int requests, double runMilliseconds)
    {
        var tag = new KeyValuePair<string, object?>("model", model);
        _batchSize.Record(requests, tag);
        _inferenceDuration.Record(runMilliseconds, tag);
    }

    public void Queued(string model, double milliseconds) => _queueDelay.Record(milliseconds, new KeyValuePair<string, object?>("model", model));

    public void PredictionDropped() => _predictionsDropped.Add(1);

    public void Dispose() => _meter.Dispose();
}
