using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace AiInference.Tests.Serving;

/// <summary>Listens to the server's OpenTelemetry batch-size histogram for one model, as an exporter would.</summary>
public sealed class BatchSizeRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<int> _sizes = new();

    public BatchSizeRecorder(string model)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "AiInference" && instrument.Name == "aiinference.batch.size")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "model" && (string?)tag.Value == model)
                {
                    _sizes.Enqueue(value);
                }
            }
        });
        _listener.Start();
    }

    public IReadOnlyList<int> Sizes => [.. _sizes];

    public void Dispose() => _listener.Dispose();
}
