using System.Diagnostics.CodeAnalysis;
using System.Text;
using AiInference.Runtime.Native;

namespace AiInference.Runtime;

/// <summary>
/// The loaded ONNX Runtime library and its one environment per process (ORT hands back the same
/// environment to a second create anyway). Sessions are made from here.
/// </summary>
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "One per process, alive until exit: sessions may be created at any time.")]
public sealed unsafe class OnnxRuntime
{
    /// <summary>The file name the npm package ships on Linux x64.</summary>
    public const string LibraryFileName = "libonnxruntime.so.1";

    private static readonly Lock LoadLock = new();
    private static OnnxRuntime? _instance;

    private readonly OrtEnvHandle _env;
    private readonly OrtMemoryInfoHandle _cpuMemory;

    private OnnxRuntime(OrtApi api)
    {
        Api = api;
        _env = new OrtEnvHandle(api);
        _cpuMemory = new OrtMemoryInfoHandle(api);
        IntPtr env, memory, allocator;
        fixed (byte* logId = "platform\0"u8)
        {
            // WARNING: ORT writes its own errors to stderr at this level; we raise them as exceptions.
            api.Check(api.CreateEnv(3, logId, &env));
        }

        _env.Adopt(env);
        api.Check(api.CreateCpuMemoryInfo(0, 0, &memory));
        _cpuMemory.Adopt(memory);
        api.Check(api.GetAllocatorWithDefaultOptions(&allocator));
        Allocator = allocator;
    }

    /// <summary>The version the library reports, e.g. "1.30.0".</summary>
    public string Version => Api.Version;

    internal OrtApi Api { get; }

    internal IntPtr Env => _env.DangerousGetHandle();

    internal IntPtr CpuMemory => _cpuMemory.DangerousGetHandle();

    // ORT's default CPU allocator: one pointer for the process, never freed.
    internal IntPtr Allocator { get; }

    /// <summary>
    /// Loads the library once per process: from <paramref name="libraryPath"/> when given, else
    /// <see cref="LibraryFileName"/> next to the application. Later calls return the loaded runtime.
    /// </summary>
    public static OnnxRuntime Load(string? libraryPath = null)
    {
        lock (LoadLock)
        {
            if (_instance is not null)
            {
                return _instance;
            }

            var path = string.IsNullOrWhiteSpace(libraryPath) ? Path.Combine(AppContext.BaseDirectory, LibraryFileName) : libraryPath;
            if (!File.Exists(path))
            {
                throw new OrtException(OrtErrorCode.NoSuchFile, $"ONNX Runtime library not found at {path}: set OnnxRuntime:LibraryPath or place {LibraryFileName} next to the application");
            }

            return _instance = new OnnxRuntime(OrtApi.Load(Path.GetFullPath(path)));
        }
    }

    /// <summary>A session over an ONNX model held in memory.</summary>
    public InferenceSession CreateSession(ReadOnlySpan<byte> model, SessionOptions? options = null)
    {
        using var native = CreateOptions(options ?? new SessionOptions());
        var session = new OrtSessionHandle(Api);
        IntPtr handle;
        fixed (byte* data = model)
        {
            Api.Check(Api.CreateSessionFromArray(Env, data, (nuint)model.Length, native.DangerousGetHandle(), &handle));
        }

        session.Adopt(handle);
        return new InferenceSession(this, session);
    }

    /// <summary>A session over an ONNX model file.</summary>
    public InferenceSession CreateSession(string modelPath, SessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        using var native = CreateOptions(options ?? new SessionOptions());
        var session = new OrtSessionHandle(Api);
        IntPtr handle;
        fixed (byte* path = Utf8(modelPath))
        {
            Api.Check(Api.CreateSession(Env, path, native.DangerousGetHandle(), &handle));
        }

        session.Adopt(handle);
        return new InferenceSession(this, session);
    }

    internal static byte[] Utf8(string value)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, bytes);
        return bytes;
    }

    private OrtSessionOptionsHandle CreateOptions(SessionOptions options)
    {
        var native = new OrtSessionOptionsHandle(Api);
        IntPtr handle;
        Api.Check(Api.CreateSessionOptions(&handle));
        native.Adopt(handle);
        try
        {
            Api.Check(Api.SetIntraOpNumThreads(handle, options.IntraOpThreads));
            Api.Check(Api.SetInterOpNumThreads(handle, options.InterOpThreads));
            Api.Check(Api.SetSessionGraphOptimizationLevel(handle, (int)options.OptimizationLevel));
            Api.Check(Api.SetSessionExecutionMode(handle, options.ParallelExecution ? 1 : 0));
            foreach (var (key, value) in options.ConfigEntries)
            {
                fixed (byte* k = Utf8(key))
                fixed (byte* v = Utf8(value))
                {
                    Api.Check(Api.AddSessionConfigEntry(handle, k, v));
                }
            }

            return native;
        }
        catch
        {
            native.Dispose();
            throw;
        }
    }
}
