using System.Diagnostics.CodeAnalysis;

namespace AiInference.Runtime;

/// <summary>Tensor element types (<c>ONNXTensorElementDataType</c>; 0–23 equal ONNX's <c>TensorProto.DataType</c>).</summary>
[SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The names are the element types ORT and ONNX define.")]
public enum TensorElementType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
}

/// <summary>The kind of an ONNX value (<c>ONNXType</c>).</summary>
public enum OnnxValueKind
{
    Unknown = 0,
    Tensor = 1,
    Sequence = 2,
    Map = 3,
    Opaque = 4,
    SparseTensor = 5,
    Optional = 6,
}
