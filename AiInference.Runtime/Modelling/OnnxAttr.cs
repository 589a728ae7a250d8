using System.Text;

namespace AiInference.Runtime.Modelling;

/// <summary>An operator attribute (ONNX AttributeProto), made with <c>OnnxAttr.Of(name, value)</c>.</summary>
public sealed class OnnxAttr
{
    // AttributeProto.AttributeType values.
    private const int FloatType = 1, IntType = 2, StringType = 3, TensorType = 4, FloatsType = 6, IntsType = 7, StringsType = 8;

    private readonly Action<ProtoWriter> _writeValue;
    private readonly int _type;

    private OnnxAttr(string name, int type, Action<ProtoWriter> writeValue)
    {
        Name = name;
        _type = type;
        _writeValue = writeValue;
    }

    public string Name { get; }

    public static OnnxAttr Of(string name, float value) => new(name, FloatType, w => w.Float(2, value));

    public static OnnxAttr Of(string name, long value) => new(name, IntType, w => w.Int64(3, value));

    public static OnnxAttr Of(string name, string value) => new(name, StringType, w => w.Bytes(4, Encoding.UTF8.GetBytes(value)));

    public static OnnxAttr Of(string name, OnnxInitializer value) => new(name, TensorType, w => w.Message(5, value.Write));

    public static OnnxAttr Of(string name, float[] values) => new(name, FloatsType, w => w.PackedFloats(7, values));

    public static OnnxAttr Of(string name, long[] values) => new(name, IntsType, w => w.PackedInt64s(8, values));

    public static OnnxAttr Of(string name, string[] values) => new(name, StringsType, w =>
    {
        foreach (var value in values)
        {
            w.Bytes(9, Encoding.UTF8.GetBytes(value));
        }
    });

    internal void Write(ProtoWriter writer)
    {
        writer.String(1, Name);
        _writeValue(writer);
        writer.Int32(20, _type);
    }
}
