using System.Runtime.InteropServices;
using System.Text;

namespace AiInference.Runtime.Modelling;

/// <summary>A constant tensor (ONNX TensorProto): an initializer or a tensor attribute.</summary>
public sealed class OnnxInitializer
{
    private readonly Action<ProtoWriter> _writeData;

    private OnnxInitializer(string name, TensorElementType type, long[] dims, Action<ProtoWriter> writeData)
    {
        Name = name;
        ElementType = type;
        Dims = dims;
        _writeData = writeData;
    }

    public string Name { get; }

    public TensorElementType ElementType { get; }

    public IReadOnlyList<long> Dims { get; }

    // raw_data (9): little-endian, row-major; this writer runs on little-endian hosts only (x64/arm64).
    public static OnnxInitializer Floats(string name, float[] data, params long[] dims) =>
        new(name, TensorElementType.Float, dims, w => w.Bytes(9, MemoryMarshal.AsBytes(data.AsSpan())));

    public static OnnxInitializer Int64s(string name, long[] data, params long[] dims) =>
        new(name, TensorElementType.Int64, dims, w => w.Bytes(9, MemoryMarshal.AsBytes(data.AsSpan())));

    public static OnnxInitializer UInt8s(string name, byte[] data, params long[] dims) =>
        new(name, TensorElementType.UInt8, dims, w => w.Bytes(9, data));

    public static OnnxInitializer Strings(string name, string[] data, params long[] dims) =>
        new(name, TensorElementType.String, dims, w =>
        {
            foreach (var value in data)
            {
                w.Bytes(6, Encoding.UTF8.GetBytes(value));
            }
        });

    internal void Write(ProtoWriter writer)
    {
        writer.PackedInt64s(1, Dims.ToArray());
        writer.Int32(2, (int)ElementType);
        writer.String(8, Name);
        _writeData(writer);
    }
}
