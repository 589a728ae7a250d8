using System.Diagnostics;
using AiInference.Runtime;

namespace InferenceThroughput;

/// <summary>Our binding in this process: one single-row run after another on one session, as the Node reference does.</summary>
internal static class RawBinding
{
    public static Measurement Run(OnnxRuntime runtime, string model, byte[] onnx, Func<OnnxTensor> input, int calls, int warmup)
    {
        using var session = runtime.CreateSession(onnx, new SessionOptions { IntraOpThreads = 1, InterOpThreads = 1 });
        var name = session.Inputs[0].Name;
        for (var i = 0; i < warmup; i++)
        {
            Consume(session.Run(name, input()));
        }

        var latencies = new long[calls];
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < calls; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            Consume(session.Run(name, input()));
            latencies[i] = Stopwatch.GetTimestamp() - t0;
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        Array.Sort(latencies);
        return new Measurement(model, "raw binding (C#)", calls, 0, elapsed, Measurement.Percentile(latencies, 50), Measurement.Percentile(latencies, 95));
    }

    private static void Consume(IReadOnlyList<NamedOnnxValue> outputs)
    {
        if (outputs.Count == 0 || outputs[0].AsTensor().ElementCount == 0)
        {
            throw new InvalidOperationException("the model returned nothing");
        }
    }
}
