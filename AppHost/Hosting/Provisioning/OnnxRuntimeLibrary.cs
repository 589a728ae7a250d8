using System.Diagnostics;
using System.Security.Cryptography;

namespace AppHost.Hosting.Provisioning;

/// <summary>
/// The ONNX Runtime native library, which no NuGet package here provides: fetched once from npm
/// (<c>onnxruntime-node</c>, install scripts disabled) into a git-ignored cache, checked against a
/// pinned sha256, and shared by the AppHost, the tests and the benchmarks. The same folder holds the
/// package's Node binding, which the benchmark runs as the reference.
/// </summary>
public static class OnnxRuntimeLibrary
{
    public const string PackageVersion = "1.30.0";

    /// <summary>sha256 of <c>bin/napi-v6/linux/x64/libonnxruntime.so.1</c> in onnxruntime-node 1.30.0.</summary>
    public const string Sha256 = "ffb75a925ba05e47b235bb66e3e3911714a80b328a9c9425539feb204aa32a23";

    private const string RelativeLibraryPath = "node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1";
    private static readonly SemaphoreSlim InProcessLock = new(1, 1);

    /// <summary>The cache folder under the repository's <c>.data/</c> (git-ignored, kept between runs).</summary>
    public static string DefaultCacheDirectory(string repositoryRoot) =>
        Path.Combine(repositoryRoot, ".data", "cache", $"onnxruntime-node-{PackageVersion}");

    /// <summary>The npm package folder inside <paramref name="cacheDirectory"/> (for <c>require</c> from Node).</summary>
    public static string PackageDirectory(string cacheDirectory) => Path.Combine(cacheDirectory, "node_modules", "onnxruntime-node");

    /// <summary>The repository root: the nearest folder above <paramref name="start"/> holding Aspire.sln.</summary>
    public static string FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Aspire.sln")))
            {
                return dir.FullName;
            }
        }

        throw new PrerequisiteMissingException($"no Aspire.sln above {start}: cannot place the ONNX Runtime cache");
    }

    /// <summary>Returns the verified library's path, installing it with npm first when it is missing.</summary>
    public static async Task<string> EnsureAsync(string cacheDirectory, Action<string> log, CancellationToken cancellationToken = default)
    {
        var library = Path.Combine(cacheDirectory, RelativeLibraryPath);
        if (IsVerified(library))
        {
            return library;
        }

        await InProcessLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Directory.CreateDirectory(cacheDirectory);
            // Parallel test assemblies and the AppHost may all arrive here on a fresh clone.
            await using var machineLock = await AcquireLockAsync(Path.Combine(cacheDirectory, ".lock"), cancellationToken).ConfigureAwait(false);
            if (IsVerified(library))
            {
                return library;
            }

            if (OsPrerequisites.FindOnPath("npm") is null)
            {
                throw new PrerequisiteMissingException("npm not found: the ONNX Runtime library comes from the npm package onnxruntime-node. Run: sudo apt-get install -y npm");
            }

            log($"fetching onnxruntime-node@{PackageVersion} with npm into {cacheDirectory} (one time)");
            await RunNpmAsync(cacheDirectory, cancellationToken).ConfigureAwait(false);
            if (!File.Exists(library))
            {
                throw new PrerequisiteMissingException($"npm installed onnxruntime-node@{PackageVersion} but {RelativeLibraryPath} is not in it");
            }

            var actual = HashOf(library);
            if (!string.Equals(actual, Sha256, StringComparison.Ordinal))
            {
                File.Delete(library);
                throw new PrerequisiteMissingException($"{library} has sha256 {actual}, expected {Sha256}: refused and deleted");
            }

            File.WriteAllText(MarkerPath(library), Sha256);
            return library;
        }
        finally
        {
            InProcessLock.Release();
        }
    }

    // Hashing 20 MB on every start would cost ~50 ms; the marker records a verified file of that size and time.
    private static bool IsVerified(string library) =>
        File.Exists(library) && File.Exists(MarkerPath(library))
        && File.GetLastWriteTimeUtc(MarkerPath(library)) >= File.GetLastWriteTimeUtc(library)
        && File.ReadAllText(MarkerPath(library)).Trim() == Sha256;

    private static string MarkerPath(string library) => library + ".sha256-verified";

    private static string HashOf(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }

    private static async Task RunNpmAsync(string cacheDirectory, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("npm")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = cacheDirectory,
        };
        foreach (var argument in new[] { "install", "--ignore-scripts", "--no-audit", "--no-fund", "--no-save", "--prefix", cacheDirectory, $"onnxruntime-node@{PackageVersion}" })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new PrerequisiteMissingException("could not start npm");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            var output = (await stdout.ConfigureAwait(false)) + (await stderr.ConfigureAwait(false));
            var tail = string.Join('\n', output.Split('\n').TakeLast(15));
            throw new PrerequisiteMissingException($"npm install onnxruntime-node@{PackageVersion} failed with exit code {process.ExitCode}:\n{tail}");
        }
    }

    private static async Task<FileStream> AcquireLockAsync(string path, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                await Task.Delay(500, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
