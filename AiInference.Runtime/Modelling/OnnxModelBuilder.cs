namespace AiInference.Runtime.Modelling;

/// <summary>
/// Builds an ONNX model file (ModelProto bytes) from graph inputs, outputs, initializers and nodes,
/// with the field numbers of onnx.proto (shared/reference/onnx-runtime-facts.md §3). Dimensions of
/// -1 are written as the symbolic dimension "N" (the batch).
/// </summary>
public sealed class OnnxModelBuilder(string graphName)
{
    // IR 10 with ai.onnx 21 and ai.onnx.ml 3 is a combination ONNX 1.16 defines and ORT 1.30 runs.
    private const long IrVersion = 10;

    private readonly List<Action<ProtoWriter>> _inputs = [];
    private readonly List<Action<ProtoWriter>> _outputs = [];
    private readonly List<OnnxInitializer> _initializers = [];
    private readonly List<Action<ProtoWriter>> _nodes = [];
    private readonly Dictionary<string, long> _opsets = new(StringComparer.Ordinal) { [""] = 21 };
    private readonly Dictionary<string, string> _metadata = new(StringComparer.Ordinal);

    public string ProducerName { get; set; } = "platform";

    public string Description { get; set; } = "";

    public long ModelVersion { get; set; } = 1;

    /// <summary>Imports an operator set (e.g. "ai.onnx.ml" 3, "com.microsoft" 1).</summary>
    public OnnxModelBuilder Opset(string domain, long version)
    {
        _opsets[domain] = version;
        return this;
    }

    public OnnxModelBuilder Metadata(string key, string value)
    {
        _metadata[key] = value;
        return this;
    }

    public OnnxModelBuilder Input(string name, TensorElementType type, params long[] dims)
    {
        _inputs.Add(w => WriteValueInfo(w, name, t => WriteTensorType(t, type, dims)));
        return this;
    }

    public OnnxModelBuilder Output(string name, TensorElementType type, params long[] dims)
    {
        _outputs.Add(w => WriteValueInfo(w, name, t => WriteTensorType(t, type, dims)));
        return this;
    }

    /// <summary>A ZipMap-style output: seq(map(<paramref name="keyType"/>, tensor(float))).</summary>
    public OnnxModelBuilder SequenceOfMapsOutput(string name, TensorElementType keyType)
    {
        _outputs.Add(w => WriteValueInfo(w, name, t => t.Message(4, seq => seq.Message(1, element => element.Message(5, map =>
        {
            map.Int32(1, (int)keyType);
            map.Message(2, value => WriteTensorType(value, TensorElementType.Float, null));
        })))));
        return this;
    }

    public OnnxModelBuilder Initializer(OnnxInitializer initializer)
    {
        _initializers.Add(initializer);
        return this;
    }

    public OnnxModelBuilder Node(string opType, string[] inputs, string[] outputs, string domain = "", params OnnxAttr[] attributes)
    {
        var name = $"{opType}_{_nodes.Count}";
        _nodes.Add(w =>
        {
            foreach (var input in inputs)
            {
                w.String(1, input);
            }

            foreach (var output in outputs)
            {
                w.String(2, output);
            }

            w.String(3, name);
            w.String(4, opType);
            foreach (var attribute in attributes)
            {
                w.Message(5, attribute.Write);
            }

            if (domain.Length > 0)
            {
                w.String(7, domain);
            }
        });
        return this;
    }

    public byte[] Build()
    {
        var model = new ProtoWriter()
            .Int64(1, IrVersion)
            .String(2, ProducerName)
            .String(3, "1")
            .Int64(5, ModelVersion)
            .String(6, Description)
            .Message(7, WriteGraph);
        foreach (var (domain, version) in _opsets)
        {
            model.Message(8, o => o.String(1, domain).Int64(2, version));
        }

        foreach (var (key, value) in _metadata)
        {
            model.Message(14, e => e.String(1, key).String(2, value));
        }

        return model.ToArray();
    }

    private void WriteGraph(ProtoWriter graph)
    {
        foreach (var node in _nodes)
        {
            graph.Message(1, node);
        }

        graph.String(2, graphName);
        foreach (var initializer in _initializers)
        {
            graph.Message(5, initializer.Write);
        }

        foreach (var input in _inputs)
        {
            graph.Message(11, input);
        }

        foreach (var output in _outputs)
        {
            graph.Message(12, output);
        }
    }

    private static void WriteValueInfo(ProtoWriter writer, string name, Action<ProtoWriter> writeType) =>
        writer.String(1, name).Message(2, writeType);

    // TypeProto.tensor_type (1): elem_type (1), shape (2) of dims (1) with dim_value (1) or dim_param (2).
    private static void WriteTensorType(ProtoWriter type, TensorElementType elementType, long[]? dims) =>
        type.Message(1, tensor =>
        {
            tensor.Int32(1, (int)elementType);
            if (dims is null)
            {
                return;
            }

            tensor.Message(2, shape =>
            {
                foreach (var dim in dims)
                {
                    shape.Message(1, d =>
                    {
                        if (dim < 0)
                        {
                            d.String(2, "N");
                        }
                        else
                        {
                            d.Int64(1, dim);
                        }
                    });
                }
            });
        });
}
