namespace AiInference.Runtime;

/// <summary>
/// A dense tensor held in a managed array, row-major. Element types: float, double, int32, int64,
/// bool and string (UTF-8 on the native side).
/// </summary>
public sealed class OnnxTensor : OnnxValue
{
    private readonly long[] _shape;

    private OnnxTensor(TensorElementType elementType, long[] shape, Array data)
    {
        var count = ElementCountOf(shape);
        if (count != data.LongLength)
        {
            throw new ArgumentException($"shape [{string.Join(',', shape)}] holds {count} elements but {data.LongLength} were given", nameof(data));
        }

        ElementType = elementType;
        _shape = shape;
        Data = data;
    }

    public override OnnxValueKind Kind => OnnxValueKind.Tensor;

    public TensorElementType ElementType { get; }

    public IReadOnlyList<long> Shape => _shape;

    /// <summary>The elements, row-major: float[], double[], int[], long[], bool[] or string[].</summary>
    public Array Data { get; }

    public long ElementCount => Data.LongLength;

    internal long[] ShapeArray => _shape;

    public static OnnxTensor FromFloats(float[] data, params long[] shape) => new(TensorElementType.Float, Copy(shape), data);

    public static OnnxTensor FromDoubles(double[] data, params long[] shape) => new(TensorElementType.Double, Copy(shape), data);

    public static OnnxTensor FromInt32s(int[] data, params long[] shape) => new(TensorElementType.Int32, Copy(shape), data);

    public static OnnxTensor FromInt64s(long[] data, params long[] shape) => new(TensorElementType.Int64, Copy(shape), data);

    public static OnnxTensor FromBooleans(bool[] data, params long[] shape) => new(TensorElementType.Bool, Copy(shape), data);

    public static OnnxTensor FromStrings(string[] data, params long[] shape) => new(TensorElementType.String, Copy(shape), data);

    /// <summary>A tensor of <paramref name="elementType"/> over an array of the matching .NET type.</summary>
    public static OnnxTensor Create(TensorElementType elementType, Array data, params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        var expected = ClrTypeOf(elementType);
        if (data.GetType().GetElementType() != expected)
        {
            throw new ArgumentException($"a {elementType} tensor needs a {expected.Name}[], not a {data.GetType().Name}", nameof(data));
        }

        return new OnnxTensor(elementType, Copy(shape), data);
    }

    /// <summary>The elements as <typeparamref name="T"/>[], or an error saying what they are.</summary>
    public T[] As<T>() => Data as T[]
        ?? throw new InvalidOperationException($"tensor holds {ElementType} elements, not {typeof(T).Name}");

    /// <summary>The .NET element type of a supported tensor element type.</summary>
    public static Type ClrTypeOf(TensorElementType elementType) => elementType switch
    {
        TensorElementType.Float => typeof(float),
        TensorElementType.Double => typeof(double),
        TensorElementType.Int32 => typeof(int),
        TensorElementType.Int64 => typeof(long),
        TensorElementType.Bool => typeof(bool),
        TensorElementType.String => typeof(string),
        _ => throw new NotSupportedException($"tensor element type {elementType} is not supported by this binding"),
    };

    internal static long ElementCountOf(long[] shape)
    {
        long count = 1;
        foreach (var dim in shape)
        {
            if (dim < 0)
            {
                throw new ArgumentException($"shape [{string.Join(',', shape)}] has a negative dimension", nameof(shape));
            }

            count = checked(count * dim);
        }

        return count;
    }

    private static long[] Copy(long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return (long[])shape.Clone();
    }
}
