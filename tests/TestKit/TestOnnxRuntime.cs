using AiInference.Runtime;
using AppHost.Hosting.Provisioning;

namespace TestKit;

/// <summary>
/// The real ONNX Runtime for tests: fetched once through the AppHost's provisioning (npm, checksum
/// checked, cached under the repository's .data/) and loaded once per test process.
/// </summary>
public static class TestOnnxRuntime
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _libraryPath;

    /// <summary>The verified library's path.</summary>
    public static async Task<string> LibraryPathAsync()
    {
        await Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_libraryPath is null)
            {
                var cache = OnnxRuntimeLibrary.DefaultCacheDirectory(OnnxRuntimeLibrary.FindRepositoryRoot(AppContext.BaseDirectory));
                _libraryPath = await OnnxRuntimeLibrary.EnsureAsync(cache, Console.WriteLine).ConfigureAwait(false);
            }

            return _libraryPath;
        }
        finally
        {
            Gate.Release();
        }
    }

    public static async Task<OnnxRuntime> LoadAsync() => OnnxRuntime.Load(await LibraryPathAsync().ConfigureAwait(false));
}
