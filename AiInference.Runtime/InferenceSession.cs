using System.Runtime.InteropServices;
using System.Text;
using AiInference.Runtime.Native;

namespace AiInference.Runtime;

/// <summary>
/// A loaded model. Thread-safe: ORT allows concurrent <see cref="Run(IReadOnlyList{KeyValuePair{string, OnnxTensor}}, IReadOnlyList{string}?, CancellationToken)"/>
/// calls on one session. Dispose releases the native session at once.
/// </summary>
public sealed unsafe class InferenceSession : IDisposable
{
    private readonly OnnxRuntime _runtime;
    private readonly OrtSessionHandle _session;
    private readonly NativeNames _inputNames;
    private readonly NativeNames _outputNames;

    internal InferenceSession(OnnxRuntime runtime, OrtSessionHandle session)
    {
        _runtime = runtime;
        _session = session;
        try
        {
            Inputs = ReadNodes(input: true);
            Outputs = ReadNodes(input: false);
            Metadata = ReadModelMetadata();
            _inputNames = new NativeNames(Inputs.Select(i => i.Name));
            _outputNames = new NativeNames(Outputs.Select(o => o.Name));
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    public IReadOnlyList<NodeMetadata> Inputs { get; }

    public IReadOnlyList<NodeMetadata> Outputs { get; }

    public ModelMetadata Metadata { get; }

    private OrtApi Api => _runtime.Api;

    /// <summary>Runs the model with one input.</summary>
    public IReadOnlyList<NamedOnnxValue> Run(string inputName, OnnxTensor input) => Run([new(inputName, input)]);

    /// <summary>
    /// Runs the model. Every output when <paramref name="outputNames"/> is null. Cancelling the token
    /// asks ORT to stop the run (RunOptionsSetTerminate); the run then fails with an <see cref="OrtException"/>.
    /// </summary>
    public IReadOnlyList<NamedOnnxValue> Run(
        IReadOnlyList<KeyValuePair<string, OnnxTensor>> inputs,
        IReadOnlyList<string>? outputNames = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ObjectDisposedException.ThrowIf(_session.IsClosed, this);
        var wanted = outputNames ?? Outputs.Select(o => o.Name).ToArray();
        var inputCount = inputs.Count;
        var outputCount = wanted.Count;
        var inputValues = stackalloc IntPtr[Math.Max(inputCount, 1)];
        var inputNamePtrs = stackalloc IntPtr[Math.Max(inputCount, 1)];
        var outputValues = stackalloc IntPtr[Math.Max(outputCount, 1)];
        var outputNamePtrs = stackalloc IntPtr[Math.Max(outputCount, 1)];
        var pins = new List<GCHandle>(inputCount * 2);
        using var temporaryNames = new TemporaryNames();
        OrtRunOptionsHandle? runOptions = null;
        CancellationTokenRegistration registration = default;
        var addedRef = false;
        try
        {
            _session.DangerousAddRef(ref addedRef);
            for (var i = 0; i < inputCount; i++)
            {
                inputValues[i] = IntPtr.Zero;
            }

            for (var i = 0; i < outputCount; i++)
            {
                outputValues[i] = IntPtr.Zero;
                outputNamePtrs[i] = _outputNames.Find(wanted[i]) ?? temporaryNames.Add(wanted[i]);
            }

            for (var i = 0; i < inputCount; i++)
            {
                inputNamePtrs[i] = _inputNames.Find(inputs[i].Key) ?? temporaryNames.Add(inputs[i].Key);
                inputValues[i] = CreateValue(inputs[i].Value, pins);
            }

            if (cancellationToken.CanBeCanceled)
            {
                runOptions = CreateRunOptions();
                var options = runOptions;
                registration = cancellationToken.Register(() => Api.RunOptionsSetTerminate(options.DangerousGetHandle()));
            }

            Api.Check(Api.Run(
                _session.DangerousGetHandle(),
                runOptions?.DangerousGetHandle() ?? IntPtr.Zero,
                inputNamePtrs,
                inputValues,
                (nuint)inputCount,
                outputNamePtrs,
                (nuint)outputCount,
                outputValues));

            var results = new NamedOnnxValue[outputCount];
            for (var i = 0; i < outputCount; i++)
            {
                results[i] = new NamedOnnxValue(wanted[i], ReadValue(outputValues[i]));
            }

            return results;
        }
        finally
        {
            registration.Dispose();
            runOptions?.Dispose();
            for (var i = 0; i < inputCount; i++)
            {
                Api.ReleaseValue(inputValues[i]);
            }

            for (var i = 0; i < outputCount; i++)
            {
                Api.ReleaseValue(outputValues[i]);
            }

            foreach (var pin in pins)
            {
                pin.Free();
            }

            if (addedRef)
            {
                _session.DangerousRelease();
            }
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        _inputNames.Dispose();
        _outputNames.Dispose();
    }

    private OrtRunOptionsHandle CreateRunOptions()
    {
        var options = new OrtRunOptionsHandle(Api);
        IntPtr handle;
        Api.Check(Api.CreateRunOptions(&handle));
        options.Adopt(handle);
        return options;
    }

    private IntPtr CreateValue(OnnxTensor tensor, List<GCHandle> pins)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var shape = tensor.ShapeArray;
        IntPtr value;
        fixed (long* dims = shape)
        {
            if (tensor.ElementType == TensorElementType.String)
            {
                Api.Check(Api.CreateTensorAsOrtValue(_runtime.Allocator, dims, (nuint)shape.Length, (int)TensorElementType.String, &value));
                try
                {
                    FillStrings(value, (string[])tensor.Data);
                }
                catch
                {
                    Api.ReleaseValue(value);
                    throw;
                }

                return value;
            }

            // ORT neither copies nor frees the buffer: it stays pinned until the value is released after the run.
            var pin = GCHandle.Alloc(tensor.Data, GCHandleType.Pinned);
            pins.Add(pin);
            var bytes = (nuint)(tensor.Data.LongLength * ElementSize(tensor.ElementType));
            Api.Check(Api.CreateTensorWithDataAsOrtValue(
                _runtime.CpuMemory, (void*)pin.AddrOfPinnedObject(), bytes, dims, (nuint)shape.Length, (int)tensor.ElementType, &value));
            return value;
        }
    }

    private void FillStrings(IntPtr value, string[] strings)
    {
        if (strings.Length == 0)
        {
            return;
        }

        // One buffer of NUL-terminated UTF-8 strings and a pointer to each; ORT copies them.
        var total = 0;
        foreach (var s in strings)
        {
            total += Encoding.UTF8.GetByteCount(s ?? "") + 1;
        }

        var buffer = new byte[total];
        var pointers = new IntPtr[strings.Length];
        fixed (byte* start = buffer)
        fixed (IntPtr* p = pointers)
        {
            var offset = 0;
            for (var i = 0; i < strings.Length; i++)
            {
                pointers[i] = (IntPtr)(start + offset);
                offset += Encoding.UTF8.GetBytes(strings[i] ?? "", buffer.AsSpan(offset)) + 1;
            }

            Api.Check(Api.FillStringTensor(value, (byte**)p, (nuint)strings.Length));
        }
    }

    private OnnxValue ReadValue(IntPtr value)
    {
        int kind;
        Api.Check(Api.GetValueType(value, &kind));
        switch ((OnnxValueKind)kind)
        {
            case OnnxValueKind.Tensor:
                return ReadTensor(value);
            case OnnxValueKind.Sequence:
            {
                nuint count;
                Api.Check(Api.GetValueCount(value, &count));
                var items = new OnnxValue[(int)count];
                for (var i = 0; i < items.Length; i++)
                {
                    items[i] = ReadChild(value, i);
                }

                return new OnnxSequence(items);
            }

            case OnnxValueKind.Map:
                // A map is two tensors: index 0 the keys, index 1 the values.
                return new OnnxMap((OnnxTensor)ReadChild(value, 0), (OnnxTensor)ReadChild(value, 1));
            default:
                throw new OrtException(OrtErrorCode.NotImplemented, $"output values of kind {(OnnxValueKind)kind} are not supported by this binding");
        }
    }

    private OnnxValue ReadChild(IntPtr parent, int index)
    {
        IntPtr child;
        Api.Check(Api.GetValue(parent, index, _runtime.Allocator, &child));
        try
        {
            return ReadValue(child);
        }
        finally
        {
            Api.ReleaseValue(child);
        }
    }

    private OnnxTensor ReadTensor(IntPtr value)
    {
        IntPtr info;
        Api.Check(Api.GetTensorTypeAndShape(value, &info));
        TensorElementType type;
        long[] shape;
        try
        {
            (type, shape) = ReadTensorInfo(info);
        }
        finally
        {
            Api.ReleaseTensorTypeAndShapeInfo(info);
        }

        var count = OnnxTensor.ElementCountOf(shape);
        if (type == TensorElementType.String)
        {
            return OnnxTensor.FromStrings(ReadStrings(value, (int)count), shape);
        }

        var data = Array.CreateInstance(OnnxTensor.ClrTypeOf(type), count);
        if (count > 0)
        {
            void* source;
            Api.Check(Api.GetTensorMutableData(value, &source));
            var handle = GCHandle.Alloc(data, GCHandleType.Pinned);
            try
            {
                var bytes = count * ElementSize(type);
                Buffer.MemoryCopy(source, (void*)handle.AddrOfPinnedObject(), bytes, bytes);
            }
            finally
            {
                handle.Free();
            }
        }

        return OnnxTensor.Create(type, data, shape);
    }

    private string[] ReadStrings(IntPtr value, int count)
    {
        var result = new string[count];
        if (count == 0)
        {
            return result;
        }

        nuint length;
        Api.Check(Api.GetStringTensorDataLength(value, &length));
        var buffer = new byte[(int)length];
        var offsets = new nuint[count];
        fixed (byte* b = buffer)
        fixed (nuint* o = offsets)
        {
            Api.Check(Api.GetStringTensorContent(value, b, length, o, (nuint)count));
        }

        // Element i spans offsets[i] to offsets[i + 1] (the last one to the end); no NULs.
        for (var i = 0; i < count; i++)
        {
            var start = (int)offsets[i];
            var end = i + 1 < count ? (int)offsets[i + 1] : buffer.Length;
            result[i] = Encoding.UTF8.GetString(buffer, start, end - start);
        }

        return result;
    }

    private (TensorElementType Type, long[] Shape) ReadTensorInfo(IntPtr info)
    {
        int type;
        nuint rank;
        Api.Check(Api.GetTensorElementType(info, &type));
        Api.Check(Api.GetDimensionsCount(info, &rank));
        var shape = new long[(int)rank];
        fixed (long* dims = shape)
        {
            Api.Check(Api.GetDimensions(info, dims, rank));
        }

        return ((TensorElementType)type, shape);
    }

    private NodeMetadata[] ReadNodes(bool input)
    {
        var session = _session.DangerousGetHandle();
        nuint count;
        Api.Check(input ? Api.SessionGetInputCount(session, &count) : Api.SessionGetOutputCount(session, &count));
        var nodes = new NodeMetadata[(int)count];
        for (nuint i = 0; i < count; i++)
        {
            IntPtr namePtr, typeInfo;
            Api.Check(input
                ? Api.SessionGetInputName(session, i, _runtime.Allocator, &namePtr)
                : Api.SessionGetOutputName(session, i, _runtime.Allocator, &namePtr));
            var name = TakeAllocatedString(namePtr);
            Api.Check(input
                ? Api.SessionGetInputTypeInfo(session, i, &typeInfo)
                : Api.SessionGetOutputTypeInfo(session, i, &typeInfo));
            try
            {
                nodes[(int)i] = DescribeNode(name, typeInfo);
            }
            finally
            {
                Api.ReleaseTypeInfo(typeInfo);
            }
        }

        return nodes;
    }

    private NodeMetadata DescribeNode(string name, IntPtr typeInfo)
    {
        int kind;
        Api.Check(Api.GetOnnxTypeFromTypeInfo(typeInfo, &kind));
        if ((OnnxValueKind)kind == OnnxValueKind.Tensor)
        {
            IntPtr tensorInfo; // owned by typeInfo
            Api.Check(Api.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo));
            var (type, shape) = ReadTensorInfo(tensorInfo);
            return new NodeMetadata(name, OnnxValueKind.Tensor, type, shape, $"tensor({TypeName(type)})");
        }

        return new NodeMetadata(name, (OnnxValueKind)kind, TensorElementType.Undefined, [], Describe(typeInfo));
    }

    // The full type of a sequence or map, e.g. seq(map(int64,tensor(float))).
    private string Describe(IntPtr typeInfo)
    {
        int kind;
        Api.Check(Api.GetOnnxTypeFromTypeInfo(typeInfo, &kind));
        switch ((OnnxValueKind)kind)
        {
            case OnnxValueKind.Tensor:
            {
                IntPtr tensorInfo;
                Api.Check(Api.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo));
                int type;
                Api.Check(Api.GetTensorElementType(tensorInfo, &type));
                return $"tensor({TypeName((TensorElementType)type)})";
            }

            case OnnxValueKind.Sequence:
            {
                IntPtr sequenceInfo, element;
                Api.Check(Api.CastTypeInfoToSequenceTypeInfo(typeInfo, &sequenceInfo));
                Api.Check(Api.GetSequenceElementType(sequenceInfo, &element));
                try
                {
                    return $"seq({Describe(element)})";
                }
                finally
                {
                    Api.ReleaseTypeInfo(element);
                }
            }

            case OnnxValueKind.Map:
            {
                IntPtr mapInfo, valueType;
                int keyType;
                Api.Check(Api.CastTypeInfoToMapTypeInfo(typeInfo, &mapInfo));
                Api.Check(Api.GetMapKeyType(mapInfo, &keyType));
                Api.Check(Api.GetMapValueType(mapInfo, &valueType));
                try
                {
                    return $"map({TypeName((TensorElementType)keyType)},{Describe(valueType)})";
                }
                finally
                {
                    Api.ReleaseTypeInfo(valueType);
                }
            }

            default:
                return ((OnnxValueKind)kind).ToString().ToLowerInvariant();
        }
    }

    private ModelMetadata ReadModelMetadata()
    {
        IntPtr metadata;
        Api.Check(Api.SessionGetModelMetadata(_session.DangerousGetHandle(), &metadata));
        try
        {
            var allocator = _runtime.Allocator;
            IntPtr producer, graph, domain, description, keys;
            long version, keyCount;
            Api.Check(Api.ModelMetadataGetProducerName(metadata, allocator, &producer));
            var producerName = TakeAllocatedString(producer);
            Api.Check(Api.ModelMetadataGetGraphName(metadata, allocator, &graph));
            var graphName = TakeAllocatedString(graph);
            Api.Check(Api.ModelMetadataGetDomain(metadata, allocator, &domain));
            var domainName = TakeAllocatedString(domain);
            Api.Check(Api.ModelMetadataGetDescription(metadata, allocator, &description));
            var descriptionText = TakeAllocatedString(description);
            Api.Check(Api.ModelMetadataGetVersion(metadata, &version));
            Api.Check(Api.ModelMetadataGetCustomMetadataMapKeys(metadata, allocator, &keys, &keyCount));
            var custom = new Dictionary<string, string>(StringComparer.Ordinal);
            if (keys != IntPtr.Zero)
            {
                for (var i = 0; i < keyCount; i++)
                {
                    var key = TakeAllocatedString(((IntPtr*)keys)[i]);
                    IntPtr value;
                    fixed (byte* k = OnnxRuntime.Utf8(key))
                    {
                        Api.Check(Api.ModelMetadataLookupCustomMetadataMap(metadata, allocator, k, &value));
                    }

                    custom[key] = TakeAllocatedString(value);
                }

                Api.Check(Api.AllocatorFree(allocator, keys));
            }

            return new ModelMetadata(producerName, graphName, domainName, descriptionText, version, custom);
        }
        finally
        {
            Api.ReleaseModelMetadata(metadata);
        }
    }

    // Strings ORT allocated for us: copy, then free with the same allocator.
    private string TakeAllocatedString(IntPtr value)
    {
        if (value == IntPtr.Zero)
        {
            return "";
        }

        var text = Marshal.PtrToStringUTF8(value) ?? "";
        Api.Check(Api.AllocatorFree(_runtime.Allocator, value));
        return text;
    }

    internal static long ElementSize(TensorElementType type) => type switch
    {
        TensorElementType.Float or TensorElementType.Int32 => 4,
        TensorElementType.Double or TensorElementType.Int64 => 8,
        TensorElementType.Bool => 1,
        _ => throw new NotSupportedException($"tensor element type {type} is not supported by this binding"),
    };

    internal static string TypeName(TensorElementType type) => type switch
    {
        TensorElementType.Float => "float",
        TensorElementType.Double => "double",
        TensorElementType.Int32 => "int32",
        TensorElementType.Int64 => "int64",
        TensorElementType.Bool => "bool",
        TensorElementType.String => "string",
        _ => type.ToString().ToLowerInvariant(),
    };
}
