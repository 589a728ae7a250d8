using System.Buffers;
using System.Text;
using System.Text.Json;
using AiInference.Runtime;
using AiInference.Serving;
using Platform.Ai;

namespace AiInference.Predictions;

/// <summary>
/// What a prediction log row keeps: each input's datatype and shape (not its data, which may be
/// personal), the first values of each output, and a confidence (the top probability of the first row
/// when the first float output reads as probabilities).
/// </summary>
internal static class PredictionSummary
{
    private const int ValuesKept = 16;

    public static AiPrediction Create(ServedModel model, Guid? tenantId, InferenceRequest request, IReadOnlyList<NamedOnnxValue> outputs, TimeSpan latency)
    {
        var inputs = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(inputs))
        {
            json.WriteStartArray();
            foreach (var (name, tensor) in request.Input.Tensors)
            {
                json.WriteStartObject();
                json.WriteString("name", name);
                json.WriteString("datatype", Datatypes.Of(tensor.ElementType));
                json.WriteStartArray("shape");
                foreach (var dim in tensor.Shape)
                {
                    json.WriteNumberValue(dim);
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        float? confidence = null;
        var output = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartObject();
            foreach (var named in outputs)
            {
                if (named.Value is not OnnxTensor tensor)
                {
                    continue;
                }

                json.WriteStartArray(named.Name);
                foreach (var value in tensor.Data.Cast<object>().Take(ValuesKept))
                {
                    JsonSerializer.Serialize(json, value);
                }

                json.WriteEndArray();
                if (confidence is null && tensor.Data is float[] { Length: > 0 } floats && tensor.Shape.Count > 0)
                {
                    var perRow = (int)(floats.Length / Math.Max(1, tensor.Shape[0]));
                    var firstRow = floats.AsSpan(0, Math.Max(1, perRow));
                    var max = firstRow.ToArray().Max();
                    if (firstRow.ToArray().All(v => v is >= 0 and <= 1))
                    {
                        confidence = perRow == 1 ? Math.Max(max, 1 - max) : max;
                    }
                }
            }

            json.WriteEndObject();
        }

        return new AiPrediction(
            tenantId, model.Row.Id, model.Name, model.Version, request.Id,
            Encoding.UTF8.GetString(inputs.WrittenSpan), Encoding.UTF8.GetString(output.WrittenSpan),
            confidence, (float)latency.TotalMilliseconds, DateTimeOffset.UtcNow);
    }
}
