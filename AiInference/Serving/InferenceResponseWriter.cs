using System.Text.Json;
using AiInference.Runtime;

namespace AiInference.Serving;

/// <summary>
/// Writes inference responses straight to the response body. ZipMap outputs (a sequence of maps,
/// which has no protocol datatype) are written as an FP32 tensor [rows, classes] with the class
/// labels in the output's <c>parameters.keys</c>.
/// </summary>
internal static class InferenceResponseWriter
{
    public static void Write(Utf8JsonWriter json, ServedModel model, string? id, IReadOnlyList<NamedOnnxValue> outputs, IReadOnlyList<string>? requested)
    {
        json.WriteStartObject();
        json.WriteString("model_name", model.Name);
        json.WriteString("model_version", model.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (id is not null)
        {
            json.WriteString("id", id);
        }

        json.WriteStartArray("outputs");
        foreach (var output in outputs)
        {
            if (requested is null || requested.Contains(output.Name))
            {
                WriteOutput(json, output);
            }
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteOutput(Utf8JsonWriter json, NamedOnnxValue output)
    {
        json.WriteStartObject();
        json.WriteString("name", output.Name);
        switch (output.Value)
        {
            case OnnxTensor tensor:
                WriteTensorBody(json, tensor.ElementType, tensor.Shape, tensor.Data);
                break;
            case OnnxSequence sequence when sequence.Items.All(i => i is OnnxMap):
            {
                var maps = sequence.Items.Cast<OnnxMap>().ToList();
                var classes = maps.Count > 0 ? maps[0].Keys.ElementCount : 0;
                var values = new float[maps.Count * classes];
                for (var r = 0; r < maps.Count; r++)
                {
                    maps[r].Values.As<float>().CopyTo(values, r * classes);
                }

                json.WriteStartObject("parameters");
                json.WriteString("keys", maps.Count > 0 ? string.Join(',', maps[0].Keys.Data.Cast<object>()) : "");
                json.WriteEndObject();
                WriteTensorBody(json, TensorElementType.Float, [maps.Count, classes], values);
                break;
            }

            default:
                throw new ProtocolException(StatusCodes.Status500InternalServerError, $"output '{output.Name}' is a {output.Value.Kind}, which the protocol cannot carry");
        }

        json.WriteEndObject();
    }

    private static void WriteTensorBody(Utf8JsonWriter json, TensorElementType type, IReadOnlyList<long> shape, Array data)
    {
        json.WriteString("datatype", Datatypes.Of(type));
        json.WriteStartArray("shape");
        foreach (var dim in shape)
        {
            json.WriteNumberValue(dim);
        }

        json.WriteEndArray();
        json.WriteStartArray("data");
        switch (data)
        {
            case float[] floats:
                foreach (var value in floats)
                {
                    json.WriteNumberValue(value);
                }

                break;
            case double[] doubles:
                foreach (var value in doubles)
                {
                    json.WriteNumberValue(value);
                }

                break;
            case int[] ints:
                foreach (var value in ints)
                {
                    json.WriteNumberValue(value);
                }

                break;
            case long[] longs:
                foreach (var value in longs)
                {
                    json.WriteNumberValue(value);
                }

                break;
            case bool[] bools:
                foreach (var value in bools)
                {
                    json.WriteBooleanValue(value);
                }

                break;
            case string[] strings:
                foreach (var value in strings)
                {
                    json.WriteStringValue(value);
                }

                break;
        }

        json.WriteEndArray();
    }
}
