using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using AiInference.Runtime;

namespace AiInference.Serving;

/// <summary>An inference request after parsing and checking against the model.</summary>
internal sealed record InferenceRequest(string? Id, ModelInput Input, IReadOnlyList<string>? RequestedOutputs);

/// <summary>
/// Reads a JSON inference request (Open Inference Protocol REST) into typed tensors and checks it
/// against the model's inputs before the runtime sees it: names, datatypes, shapes, element counts.
/// Every failure is a 400 that says which input and what was wrong.
/// </summary>
internal static class InferenceRequestReader
{
    public static InferenceRequest Read(JsonElement root, ServedModel model)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw ProtocolException.BadRequest("the request body must be a JSON object");
        }

        string? id = null;
        if (root.TryGetProperty("id", out var idElement))
        {
            id = idElement.ValueKind == JsonValueKind.String ? idElement.GetString() : throw ProtocolException.BadRequest("'id' must be a string");
        }

        if (!root.TryGetProperty("inputs", out var inputs) || inputs.ValueKind != JsonValueKind.Array || inputs.GetArrayLength() == 0)
        {
            throw ProtocolException.BadRequest("'inputs' must be a non-empty array of tensors");
        }

        var tensors = new List<KeyValuePair<string, OnnxTensor>>(inputs.GetArrayLength());
        foreach (var input in inputs.EnumerateArray())
        {
            var (name, tensor) = ReadTensor(input, model);
            if (tensors.Any(t => t.Key == name))
            {
                throw ProtocolException.BadRequest($"input '{name}' is given twice");
            }

            tensors.Add(new(name, tensor));
        }

        var missing = model.Inputs.Select(i => i.Name).Except(tensors.Select(t => t.Key)).ToList();
        if (missing.Count > 0)
        {
            throw ProtocolException.BadRequest($"missing input(s): {string.Join(", ", missing)}");
        }

        // Rows: the first dimension shared by the inputs (batching splits outputs by it).
        var rows = tensors[0].Value.Shape.Count > 0 ? tensors[0].Value.Shape[0] : 1;
        if (model.Batchable && tensors.Any(t => t.Value.Shape.Count == 0 || t.Value.Shape[0] != rows))
        {
            throw ProtocolException.BadRequest("every input must have the same first (batch) dimension");
        }

        return new InferenceRequest(id, new ModelInput(tensors, rows), ReadRequestedOutputs(root, model));
    }

    private static List<string>? ReadRequestedOutputs(JsonElement root, ServedModel model)
    {
        if (!root.TryGetProperty("outputs", out var outputs))
        {
            return null;
        }

        if (outputs.ValueKind != JsonValueKind.Array)
        {
            throw ProtocolException.BadRequest("'outputs' must be an array");
        }

        var names = new List<string>();
        foreach (var output in outputs.EnumerateArray())
        {
            if (output.ValueKind != JsonValueKind.Object || !output.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
            {
                throw ProtocolException.BadRequest("each requested output needs a 'name'");
            }

            var text = name.GetString()!;
            if (model.Outputs.All(o => o.Name != text))
            {
                throw ProtocolException.BadRequest($"unknown output '{text}'; the model's outputs are: {string.Join(", ", model.Outputs.Select(o => o.Name))}");
            }

            names.Add(text);
        }

        return names;
    }

    private static (string Name, OnnxTensor Tensor) ReadTensor(JsonElement input, ServedModel model)
    {
        if (input.ValueKind != JsonValueKind.Object)
        {
            throw ProtocolException.BadRequest("each input must be an object with name, shape, datatype and data");
        }

        var name = input.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : throw ProtocolException.BadRequest("an input has no 'name'");
        var expected = model.Inputs.FirstOrDefault(i => i.Name == name)
            ?? throw ProtocolException.BadRequest($"unknown input '{name}'; the model's inputs are: {string.Join(", ", model.Inputs.Select(i => i.Name))}");
        var datatype = input.TryGetProperty("datatype", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : throw ProtocolException.BadRequest($"input '{name}' has no 'datatype'");
        var elementType = Datatypes.Parse(datatype) ?? throw ProtocolException.BadRequest($"input '{name}': datatype '{datatype}' is not supported (FP32, FP64, INT32, INT64, BOOL, BYTES)");
        if (elementType != expected.ElementType)
        {
            throw ProtocolException.BadRequest($"input '{name}' has datatype {datatype} but the model expects {Datatypes.Of(expected.ElementType)}");
        }

        var shape = ReadShape(input, name);
        CheckShape(name, shape, expected.Shape);
        if (!input.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
        {
            throw ProtocolException.BadRequest($"input '{name}' has no 'data' array");
        }

        long count;
        try
        {
            count = shape.Aggregate(1L, (a, b) => checked(a * b));
        }
        catch (OverflowException)
        {
            throw ProtocolException.BadRequest($"input '{name}': shape [{string.Join(',', shape)}] is too large");
        }

        var values = new TensorData(elementType, count, name);
        Flatten(data, values);
        if (values.Count != count)
        {
            throw ProtocolException.BadRequest($"input '{name}' has shape [{string.Join(',', shape)}] ({count} elements) but {values.Count} data elements");
        }

        return (name, OnnxTensor.Create(elementType, values.Array, shape));
    }

    private static long[] ReadShape(JsonElement input, string name)
    {
        if (!input.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
        {
            throw ProtocolException.BadRequest($"input '{name}' has no 'shape' array");
        }

        var shape = new long[shapeElement.GetArrayLength()];
        var i = 0;
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out var value) || value < 0)
            {
                throw ProtocolException.BadRequest($"input '{name}': shape must hold non-negative integers");
            }

            shape[i++] = value;
        }

        return shape;
    }

    private static void CheckShape(string name, long[] shape, IReadOnlyList<long> expected)
    {
        var ok = shape.Length == expected.Count;
        for (var i = 0; ok && i < shape.Length; i++)
        {
            ok = expected[i] < 0 || expected[i] == shape[i];
        }

        if (!ok)
        {
            throw ProtocolException.BadRequest($"input '{name}' has shape [{string.Join(',', shape)}] but the model expects [{string.Join(',', expected)}] (-1: any size)");
        }
    }

    // Nested arrays in the tensor's shape or one flat array: both are row-major. The data's own bytes are read
    // with a forward-only reader: through JsonElement each number would be located and parsed again (5x slower).
    private static void Flatten(JsonElement element, TensorData values)
    {
        var reader = new Utf8JsonReader(JsonMarshal.GetRawUtf8Value(element));
        while (reader.Read())
        {
            if (reader.TokenType is not (JsonTokenType.StartArray or JsonTokenType.EndArray))
            {
                values.Add(ref reader);
            }
        }
    }

    /// <summary>Fills a typed array, refusing elements of the wrong JSON type or out of range.</summary>
    private sealed class TensorData(TensorElementType type, long expected, string name)
    {
        // Capacity from the declared shape, capped so a lying shape cannot make us allocate gigabytes.
        public Array Array { get; private set; } = System.Array.CreateInstance(OnnxTensor.ClrTypeOf(type), Math.Min(expected, 1 << 20));

        public long Count { get; private set; }

        public void Add(ref Utf8JsonReader item)
        {
            if (Count >= expected)
            {
                Count++;
                item.Skip();
                return;
            }

            if (Count == Array.LongLength)
            {
                var larger = System.Array.CreateInstance(Array.GetType().GetElementType()!, Math.Min(expected, Array.LongLength * 2));
                System.Array.Copy(Array, larger, Array.LongLength);
                Array = larger;
            }

            var number = item.TokenType == JsonTokenType.Number;
            switch (type)
            {
                case TensorElementType.Float when number && item.TryGetSingle(out var f32):
                    ((float[])Array)[Count] = f32;
                    break;
                case TensorElementType.Double when number && item.TryGetDouble(out var f64):
                    ((double[])Array)[Count] = f64;
                    break;
                case TensorElementType.Int32 when number && item.TryGetInt32(out var i32):
                    ((int[])Array)[Count] = i32;
                    break;
                case TensorElementType.Int64 when number && item.TryGetInt64(out var i64):
                    ((long[])Array)[Count] = i64;
                    break;
                case TensorElementType.Bool when item.TokenType is JsonTokenType.True or JsonTokenType.False:
                    ((bool[])Array)[Count] = item.GetBoolean();
                    break;
                case TensorElementType.String when item.TokenType == JsonTokenType.String:
                    ((string[])Array)[Count] = item.GetString()!;
                    break;
                default:
                    var text = item.TokenType is JsonTokenType.StartObject ? "an object" : Encoding.UTF8.GetString(item.ValueSpan);
                    throw ProtocolException.BadRequest($"input '{name}': element {Count} ({text}) is not a valid {Datatypes.Of(type)} value");
            }

            Count++;
        }
    }
}
