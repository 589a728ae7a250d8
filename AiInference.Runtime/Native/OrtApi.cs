using System.Runtime.InteropServices;

namespace AiInference.Runtime.Native;

/// <summary>
/// The members of the C API's <c>OrtApi</c> table this binding calls, read by index (the table is
/// append-only, member i at byte offset i × pointer size; indices from the 1.29/1.30 header, see
/// shared/reference/onnx-runtime-facts.md §2). Every handle is an <see cref="IntPtr"/>; every
/// non-void function returns an <c>OrtStatus*</c>, NULL on success.
/// </summary>
internal sealed unsafe class OrtApi
{
    // Members 0..142 are already in API 13 in the same order; nothing here needs more.
    internal const uint ApiVersion = 13;

    public readonly delegate* unmanaged<IntPtr, int> GetErrorCode;
    public readonly delegate* unmanaged<IntPtr, IntPtr> GetErrorMessage;
    public readonly delegate* unmanaged<int, byte*, IntPtr*, IntPtr> CreateEnv;
    public readonly delegate* unmanaged<IntPtr, byte*, IntPtr, IntPtr*, IntPtr> CreateSession;
    public readonly delegate* unmanaged<IntPtr, void*, nuint, IntPtr, IntPtr*, IntPtr> CreateSessionFromArray;
    public readonly delegate* unmanaged<IntPtr, IntPtr, IntPtr*, IntPtr*, nuint, IntPtr*, nuint, IntPtr*, IntPtr> Run;
    public readonly delegate* unmanaged<IntPtr*, IntPtr> CreateSessionOptions;
    public readonly delegate* unmanaged<IntPtr, int, IntPtr> SetSessionExecutionMode;
    public readonly delegate* unmanaged<IntPtr, int, IntPtr> SetSessionGraphOptimizationLevel;
    public readonly delegate* unmanaged<IntPtr, int, IntPtr> SetIntraOpNumThreads;
    public readonly delegate* unmanaged<IntPtr, int, IntPtr> SetInterOpNumThreads;
    public readonly delegate* unmanaged<IntPtr, nuint*, IntPtr> SessionGetInputCount;
    public readonly delegate* unmanaged<IntPtr, nuint*, IntPtr> SessionGetOutputCount;
    public readonly delegate* unmanaged<IntPtr, nuint, IntPtr*, IntPtr> SessionGetInputTypeInfo;
    public readonly delegate* unmanaged<IntPtr, nuint, IntPtr*, IntPtr> SessionGetOutputTypeInfo;
    public readonly delegate* unmanaged<IntPtr, nuint, IntPtr, IntPtr*, IntPtr> SessionGetInputName;
    public readonly delegate* unmanaged<IntPtr, nuint, IntPtr, IntPtr*, IntPtr> SessionGetOutputName;
    public readonly delegate* unmanaged<IntPtr*, IntPtr> CreateRunOptions;
    public readonly delegate* unmanaged<IntPtr, IntPtr> RunOptionsSetTerminate;
    public readonly delegate* unmanaged<IntPtr, long*, nuint, int, IntPtr*, IntPtr> CreateTensorAsOrtValue;
    public readonly delegate* unmanaged<IntPtr, void*, nuint, long*, nuint, int, IntPtr*, IntPtr> CreateTensorWithDataAsOrtValue;
    public readonly delegate* unmanaged<IntPtr, void**, IntPtr> GetTensorMutableData;
    public readonly delegate* unmanaged<IntPtr, byte**, nuint, IntPtr> FillStringTensor;
    public readonly delegate* unmanaged<IntPtr, nuint*, IntPtr> GetStringTensorDataLength;
    public readonly delegate* unmanaged<IntPtr, void*, nuint, nuint*, nuint, IntPtr> GetStringTensorContent;
    public readonly delegate* unmanaged<IntPtr, IntPtr*, IntPtr> CastTypeInfoToTensorInfo;
    public readonly delegate* unmanaged<IntPtr, int*, IntPtr> GetOnnxTypeFromTypeInfo;
    public readonly delegate* unmanaged<IntPtr, int*, IntPtr> GetTensorElementType;
    public readonly delegate* unmanaged<IntPtr, nuint*, IntPtr> GetDimensionsCount;
    public readonly delegate* unmanaged<IntPtr, long*, nuint, IntPtr> GetDimensions;
    public readonly delegate* unmanaged<IntPtr, IntPtr*, IntPtr> GetTensorTypeAndShape;
    public readonly delegate* unmanaged<IntPtr, int*, IntPtr> GetValueType;
    public readonly delegate* unmanaged<int, int, IntPtr*, IntPtr> CreateCpuMemoryInfo;
    public readonly delegate* unmanaged<IntPtr, IntPtr, IntPtr> AllocatorFree;
    public readonly delegate* unmanaged<IntPtr*, IntPtr> GetAllocatorWithDefaultOptions;
    public readonly delegate* unmanaged<IntPtr, int, IntPtr, IntPtr*, IntPtr> GetValue;
    public readonly delegate* unmanaged<IntPtr, nuint*, IntPtr> GetValueCount;
    public readonly delegate* unmanaged<IntPtr, void> ReleaseEnv;
    public readonly delegate* unmanaged<IntPtr, void> ReleaseStatus;
    public readonly delegate* unmanaged<IntPtr, void> ReleaseMemoryInfo;
    public readonly delegate* unmanaged<IntPtr, void> ReleaseSession;
    public readonly delegate* unmanaged<IntPtr, void> ReleaseValue;
    public readonly delegate* unmanaged<IntPtr, void> ReleaseRunOptions;
    public readonly delegate* unmanaged<IntPtr, void> ReleaseTypeInfo;
    public readonly delegate* unmanaged<IntPtr, void> ReleaseTensorTypeAndShapeInfo;
    public readonly delegate* unmanaged<IntPtr, void> ReleaseSessionOptions;
    public readonly delegate* unmanaged<IntPtr, IntPtr*, IntPtr> CastTypeInfoToMapTypeInfo;
    public readonly delegate* unmanaged<IntPtr, IntPtr*, IntPtr> CastTypeInfoToSequenceTypeInfo;
    public readonly delegate* unmanaged<IntPtr, int*, IntPtr> GetMapKeyType;
    public readonly delegate* unmanaged<IntPtr, IntPtr*, IntPtr> GetMapValueType;
    public readonly delegate* unmanaged<IntPtr, IntPtr*, IntPtr> GetSequenceElementType;
    public readonly delegate* unmanaged<IntPtr, IntPtr*, IntPtr> SessionGetModelMetadata;
    public readonly delegate* unmanaged<IntPtr, IntPtr, IntPtr*, IntPtr> ModelMetadataGetProducerName;
    public readonly delegate* unmanaged<IntPtr, IntPtr, IntPtr*, IntPtr> ModelMetadataGetGraphName;
    public readonly delegate* unmanaged<IntPtr, IntPtr, IntPtr*, IntPtr> ModelMetadataGetDomain;
    public readonly delegate* unmanaged<IntPtr, IntPtr, IntPtr*, IntPtr> ModelMetadataGetDescription;
    public readonly delegate* unmanaged<IntPtr, IntPtr, byte*, IntPtr*, IntPtr> ModelMetadataLookupCustomMetadataMap;
    public readonly delegate* unmanaged<IntPtr, long*, IntPtr> ModelMetadataGetVersion;
    public readonly delegate* unmanaged<IntPtr, void> ReleaseModelMetadata;
    public readonly delegate* unmanaged<IntPtr, IntPtr, IntPtr*, long*, IntPtr> ModelMetadataGetCustomMetadataMapKeys;
    public readonly delegate* unmanaged<IntPtr, byte*, byte*, IntPtr> AddSessionConfigEntry;

    private OrtApi(IntPtr table)
    {
        var t = (IntPtr*)table;
        GetErrorCode = (delegate* unmanaged<IntPtr, int>)t[1];
        GetErrorMessage = (delegate* unmanaged<IntPtr, IntPtr>)t[2];
        CreateEnv = (delegate* unmanaged<int, byte*, IntPtr*, IntPtr>)t[3];
        CreateSession = (delegate* unmanaged<IntPtr, byte*, IntPtr, IntPtr*, IntPtr>)t[7];
        CreateSessionFromArray = (delegate* unmanaged<IntPtr, void*, nuint, IntPtr, IntPtr*, IntPtr>)t[8];
        Run = (delegate* unmanaged<IntPtr, IntPtr, IntPtr*, IntPtr*, nuint, IntPtr*, nuint, IntPtr*, IntPtr>)t[9];
        CreateSessionOptions = (delegate* unmanaged<IntPtr*, IntPtr>)t[10];
        SetSessionExecutionMode = (delegate* unmanaged<IntPtr, int, IntPtr>)t[13];
        SetSessionGraphOptimizationLevel = (delegate* unmanaged<IntPtr, int, IntPtr>)t[23];
        SetIntraOpNumThreads = (delegate* unmanaged<IntPtr, int, IntPtr>)t[24];
        SetInterOpNumThreads = (delegate* unmanaged<IntPtr, int, IntPtr>)t[25];
        SessionGetInputCount = (delegate* unmanaged<IntPtr, nuint*, IntPtr>)t[30];
        SessionGetOutputCount = (delegate* unmanaged<IntPtr, nuint*, IntPtr>)t[31];
        SessionGetInputTypeInfo = (delegate* unmanaged<IntPtr, nuint, IntPtr*, IntPtr>)t[33];
        SessionGetOutputTypeInfo = (delegate* unmanaged<IntPtr, nuint, IntPtr*, IntPtr>)t[34];
        SessionGetInputName = (delegate* unmanaged<IntPtr, nuint, IntPtr, IntPtr*, IntPtr>)t[36];
        SessionGetOutputName = (delegate* unmanaged<IntPtr, nuint, IntPtr, IntPtr*, IntPtr>)t[37];
        CreateRunOptions = (delegate* unmanaged<IntPtr*, IntPtr>)t[39];
        RunOptionsSetTerminate = (delegate* unmanaged<IntPtr, IntPtr>)t[46];
        CreateTensorAsOrtValue = (delegate* unmanaged<IntPtr, long*, nuint, int, IntPtr*, IntPtr>)t[48];
        CreateTensorWithDataAsOrtValue = (delegate* unmanaged<IntPtr, void*, nuint, long*, nuint, int, IntPtr*, IntPtr>)t[49];
        GetTensorMutableData = (delegate* unmanaged<IntPtr, void**, IntPtr>)t[51];
        FillStringTensor = (delegate* unmanaged<IntPtr, byte**, nuint, IntPtr>)t[52];
        GetStringTensorDataLength = (delegate* unmanaged<IntPtr, nuint*, IntPtr>)t[53];
        GetStringTensorContent = (delegate* unmanaged<IntPtr, void*, nuint, nuint*, nuint, IntPtr>)t[54];
        CastTypeInfoToTensorInfo = (delegate* unmanaged<IntPtr, IntPtr*, IntPtr>)t[55];
        GetOnnxTypeFromTypeInfo = (delegate* unmanaged<IntPtr, int*, IntPtr>)t[56];
        GetTensorElementType = (delegate* unmanaged<IntPtr, int*, IntPtr>)t[60];
        GetDimensionsCount = (delegate* unmanaged<IntPtr, nuint*, IntPtr>)t[61];
        GetDimensions = (delegate* unmanaged<IntPtr, long*, nuint, IntPtr>)t[62];
        GetTensorTypeAndShape = (delegate* unmanaged<IntPtr, IntPtr*, IntPtr>)t[65];
        GetValueType = (delegate* unmanaged<IntPtr, int*, IntPtr>)t[67];
        CreateCpuMemoryInfo = (delegate* unmanaged<int, int, IntPtr*, IntPtr>)t[69];
        AllocatorFree = (delegate* unmanaged<IntPtr, IntPtr, IntPtr>)t[76];
        GetAllocatorWithDefaultOptions = (delegate* unmanaged<IntPtr*, IntPtr>)t[78];
        GetValue = (delegate* unmanaged<IntPtr, int, IntPtr, IntPtr*, IntPtr>)t[80];
        GetValueCount = (delegate* unmanaged<IntPtr, nuint*, IntPtr>)t[81];
        ReleaseEnv = (delegate* unmanaged<IntPtr, void>)t[92];
        ReleaseStatus = (delegate* unmanaged<IntPtr, void>)t[93];
        ReleaseMemoryInfo = (delegate* unmanaged<IntPtr, void>)t[94];
        ReleaseSession = (delegate* unmanaged<IntPtr, void>)t[95];
        ReleaseValue = (delegate* unmanaged<IntPtr, void>)t[96];
        ReleaseRunOptions = (delegate* unmanaged<IntPtr, void>)t[97];
        ReleaseTypeInfo = (delegate* unmanaged<IntPtr, void>)t[98];
        ReleaseTensorTypeAndShapeInfo = (delegate* unmanaged<IntPtr, void>)t[99];
        ReleaseSessionOptions = (delegate* unmanaged<IntPtr, void>)t[100];
        CastTypeInfoToMapTypeInfo = (delegate* unmanaged<IntPtr, IntPtr*, IntPtr>)t[103];
        CastTypeInfoToSequenceTypeInfo = (delegate* unmanaged<IntPtr, IntPtr*, IntPtr>)t[104];
        GetMapKeyType = (delegate* unmanaged<IntPtr, int*, IntPtr>)t[105];
        GetMapValueType = (delegate* unmanaged<IntPtr, IntPtr*, IntPtr>)t[106];
        GetSequenceElementType = (delegate* unmanaged<IntPtr, IntPtr*, IntPtr>)t[107];
        SessionGetModelMetadata = (delegate* unmanaged<IntPtr, IntPtr*, IntPtr>)t[111];
        ModelMetadataGetProducerName = (delegate* unmanaged<IntPtr, IntPtr, IntPtr*, IntPtr>)t[112];
        ModelMetadataGetGraphName = (delegate* unmanaged<IntPtr, IntPtr, IntPtr*, IntPtr>)t[113];
        ModelMetadataGetDomain = (delegate* unmanaged<IntPtr, IntPtr, IntPtr*, IntPtr>)t[114];
        ModelMetadataGetDescription = (delegate* unmanaged<IntPtr, IntPtr, IntPtr*, IntPtr>)t[115];
        ModelMetadataLookupCustomMetadataMap = (delegate* unmanaged<IntPtr, IntPtr, byte*, IntPtr*, IntPtr>)t[116];
        ModelMetadataGetVersion = (delegate* unmanaged<IntPtr, long*, IntPtr>)t[117];
        ReleaseModelMetadata = (delegate* unmanaged<IntPtr, void>)t[118];
        ModelMetadataGetCustomMetadataMapKeys = (delegate* unmanaged<IntPtr, IntPtr, IntPtr*, long*, IntPtr>)t[123];
        AddSessionConfigEntry = (delegate* unmanaged<IntPtr, byte*, byte*, IntPtr>)t[130];
    }

    /// <summary>The version string the library reports (e.g. "1.30.0").</summary>
    public string Version { get; private init; } = "";

    /// <summary>Loads the library at <paramref name="libraryPath"/> and reads its API table.</summary>
    public static OrtApi Load(string libraryPath)
    {
        var library = NativeLibrary.Load(libraryPath);
        var getApiBase = (delegate* unmanaged<IntPtr>)NativeLibrary.GetExport(library, "OrtGetApiBase");
        var apiBase = (IntPtr*)getApiBase();
        var getApi = (delegate* unmanaged<uint, IntPtr>)apiBase[0];
        var getVersion = (delegate* unmanaged<IntPtr>)apiBase[1];
        var table = getApi(ApiVersion);
        if (table == IntPtr.Zero)
        {
            throw new OrtException(OrtErrorCode.Fail, $"{libraryPath} does not offer ONNX Runtime C API version {ApiVersion}");
        }

        return new OrtApi(table) { Version = Marshal.PtrToStringUTF8(getVersion()) ?? "" };
    }

    /// <summary>Turns a non-NULL status into an <see cref="OrtException"/> (releasing the status).</summary>
    public void Check(IntPtr status)
    {
        if (status != IntPtr.Zero)
        {
            throw ToException(status);
        }
    }

    public OrtException ToException(IntPtr status)
    {
        var code = (OrtErrorCode)GetErrorCode(status);
        // The message belongs to the status: copy it before the release.
        var message = Marshal.PtrToStringUTF8(GetErrorMessage(status)) ?? "(no message)";
        ReleaseStatus(status);
        return new OrtException(code, message);
    }
}
