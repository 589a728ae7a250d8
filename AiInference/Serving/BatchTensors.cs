using AiInference.Runtime;

namespace AiInference.Serving;

/// <summary>Joins requests' inputs along the first dimension and cuts a batch's outputs back into each request's rows.</summary>
internal static class BatchTensors
{
    /// <summary>One tensor per input name: the requests' rows one after the other. All inputs share a signature.</summary>
    public static IReadOnlyList<KeyValuePair<string, OnnxTensor>> Concatenate(IReadOnlyList<ModelInput> inputs)
    {
        var first = inputs[0].Tensors;
        var totalRows = inputs.Sum(i => i.Rows);
        var result = new List<KeyValuePair<string, OnnxTensor>>(first.Count);
        for (var t = 0; t < first.Count; t++)
        {
            var template = first[t].Value;
            var data = Array.CreateInstance(template.Data.GetType().GetElementType()!, inputs.Sum(i => i.Tensors[t].Value.ElementCount));
            long offset = 0;
            foreach (var input in inputs)
            {
                var part = input.Tensors[t].Value.Data;
                Array.Copy(part, 0, data, offset, part.LongLength);
                offset += part.LongLength;
            }

            var shape = template.Shape.ToArray();
            shape[0] = totalRows;
            result.Add(new(first[t].Key, OnnxTensor.Create(template.ElementType, data, shape)));
        }

        return result;
    }

    /// <summary>Each request's share of every output, by its row count; fails for outputs without a batch dimension.</summary>
    public static IReadOnlyList<IReadOnlyList<NamedOnnxValue>> Split(IReadOnlyList<NamedOnnxValue> outputs, IReadOnlyList<long> rows)
    {
        var totalRows = rows.Sum();
        var result = new List<NamedOnnxValue>[rows.Count];
        for (var r = 0; r < rows.Count; r++)
        {
            result[r] = new List<NamedOnnxValue>(outputs.Count);
        }

        foreach (var output in outputs)
        {
            switch (output.Value)
            {
                case OnnxTensor tensor when tensor.Shape.Count > 0 && tensor.Shape[0] == totalRows:
                {
                    var perRow = totalRows == 0 ? 0 : tensor.ElementCount / totalRows;
                    long offset = 0;
                    for (var r = 0; r < rows.Count; r++)
                    {
                        var count = rows[r] * perRow;
                        var data = Array.CreateInstance(tensor.Data.GetType().GetElementType()!, count);
                        Array.Copy(tensor.Data, offset, data, 0, count);
                        offset += count;
                        var shape = tensor.Shape.ToArray();
                        shape[0] = rows[r];
                        result[r].Add(new NamedOnnxValue(output.Name, OnnxTensor.Create(tensor.ElementType, data, shape)));
                    }

                    break;
                }

                case OnnxSequence sequence when sequence.Items.Count == totalRows:
                {
                    var offset = 0;
                    for (var r = 0; r < rows.Count; r++)
                    {
                        result[r].Add(new NamedOnnxValue(output.Name, new OnnxSequence([.. sequence.Items.Skip(offset).Take((int)rows[r])])));
                        offset += (int)rows[r];
                    }

                    break;
                }

                default:
                    throw new InvalidOperationException($"output '{output.Name}' has no batch dimension of {totalRows} rows");
            }
        }

        return result;
    }
}
