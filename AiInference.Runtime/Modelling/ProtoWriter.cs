using System.Diagnostics.CodeAnalysis;
using Google.Protobuf;

namespace AiInference.Runtime.Modelling;

/// <summary>
/// Writes protobuf fields by number (no generated classes: ONNX's .proto is not compiled here).
/// Nested messages are written to their own buffer first, then emitted length-delimited.
/// </summary>
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "Both streams are in memory only.")]
internal sealed class ProtoWriter
{
    private readonly MemoryStream _buffer = new();
    private readonly CodedOutputStream _output;

    public ProtoWriter() => _output = new CodedOutputStream(_buffer, leaveOpen: true);

    public ProtoWriter Int64(int field, long value)
    {
        _output.WriteTag(field, WireFormat.WireType.Varint);
        _output.WriteInt64(value);
        return this;
    }

    public ProtoWriter Int32(int field, int value)
    {
        _output.WriteTag(field, WireFormat.WireType.Varint);
        _output.WriteInt32(value);
        return this;
    }

    public ProtoWriter Float(int field, float value)
    {
        _output.WriteTag(field, WireFormat.WireType.Fixed32);
        _output.WriteFloat(value);
        return this;
    }

    public ProtoWriter String(int field, string value)
    {
        _output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _output.WriteString(value);
        return this;
    }

    public ProtoWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        _output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _output.WriteBytes(ByteString.CopyFrom(value));
        return this;
    }

    public ProtoWriter PackedInt64s(int field, IReadOnlyCollection<long> values)
    {
        var packed = new ProtoWriter();
        foreach (var value in values)
        {
            packed._output.WriteInt64(value);
        }

        return Bytes(field, packed.ToArray());
    }

    public ProtoWriter PackedFloats(int field, IReadOnlyCollection<float> values)
    {
        var packed = new ProtoWriter();
        foreach (var value in values)
        {
            packed._output.WriteFloat(value);
        }

        return Bytes(field, packed.ToArray());
    }

    public ProtoWriter Message(int field, Action<ProtoWriter> write)
    {
        var nested = new ProtoWriter();
        write(nested);
        return Bytes(field, nested.ToArray());
    }

    public byte[] ToArray()
    {
        _output.Flush();
        return _buffer.ToArray();
    }
}
