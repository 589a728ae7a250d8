using AiInference.Runtime;

namespace AiInference.Serving;

/// <summary>Open Inference Protocol datatypes and the tensor element types they map to.</summary>
internal static class Datatypes
{
    public static string Of(TensorElementType type) => type switch
    {
        TensorElementType.Float => "FP32",
        TensorElementType.Double => "FP64",
        TensorElementType.Int32 => "INT32",
        TensorElementType.Int64 => "INT64",
        TensorElementType.Bool => "BOOL",
        TensorElementType.String => "BYTES",
        TensorElementType.UInt8 => "UINT8",
        TensorElementType.Int8 => "INT8",
        TensorElementType.UInt16 => "UINT16",
        TensorElementType.Int16 => "INT16",
        TensorElementType.UInt32 => "UINT32",
        TensorElementType.UInt64 => "UINT64",
        TensorElementType.Float16 => "FP16",
        _ => "UNKNOWN",
    };

    public static TensorElementType? Parse(string datatype) => datatype switch
    {
        "FP32" => TensorElementType.Float,
        "FP64" => TensorElementType.Double,
        "INT32" => TensorElementType.Int32,
        "INT64" => TensorElementType.Int64,
        "BOOL" => TensorElementType.Bool,
        "BYTES" => TensorElementType.String,
        _ => null,
    };
}
