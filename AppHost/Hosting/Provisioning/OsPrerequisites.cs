using System.Diagnostics;
using AppHost.Hosting.Processes;

namespace AppHost.Hosting.Provisioning;

/// <summary>An operating-system package a resource needs, and how to tell it is installed.</summary>
public sealed record OsPackage(string DisplayName, string AptPackage, Func<bool> IsInstalled);

/// <summary>
/// Makes sure the OS packages the local resources need are present. Used by the AppHost and by
/// the test fixtures, so both commands in the README work on a fresh Debian machine: as root it
/// installs what is missing with apt; otherwise it stops with the exact command to run.
/// </summary>
public static class OsPrerequisites
{
    private static readonly SemaphoreSlim InProcessLock = new(1, 1);

    public static OsPackage PostgreSql { get; } = new(
        "PostgreSQL server", "postgresql", () => FindPostgresBinDirectory() is not null);

    public static OsPackage Redis { get; } = new(
        "Redis server", "redis-server", () => FindOnPath("redis-server") is not null);

    public static OsPackage Chromium { get; } = new(
        "Chromium", "chromium", () => File.Exists("/usr/bin/chromium"));

    /// <summary>The newest installed PostgreSQL server's bin folder (Debian layout), or null.</summary>
    public static string? FindPostgresBinDirectory()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root))
        {
            return null;
        }

        return Directory.GetDirectories(root)
            .Select(dir => (Dir: dir, Major: int.TryParse(Path.GetFileName(dir), out var major) ? major : 0))
            .Where(x => File.Exists(Path.Combine(x.Dir, "bin", "postgres")) && File.Exists(Path.Combine(x.Dir, "bin", "initdb")))
            .OrderByDescending(x => x.Major)
            .Select(x => Path.Combine(x.Dir, "bin"))
            .FirstOrDefault();
    }

    public static string? FindOnPath(string program)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Append("/usr/sbin").Append("/usr/bin"))
        {
            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Installs every missing package (as root on Debian) or throws with the command to run.</summary>
    public static async Task EnsureAsync(IEnumerable<OsPackage> packages, Action<string> log, CancellationToken cancellationToken = default)
    {
        var wanted = packages.Distinct().ToList();
        if (wanted.All(p => p.IsInstalled()))
        {
            return;
        }

        await InProcessLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Another process (a parallel test assembly) may be installing the same packages.
            await using var machineLock = await AcquireMachineLockAsync(cancellationToken).ConfigureAwait(false);
            var missing = wanted.Where(p => !p.IsInstalled()).ToList();
            if (missing.Count == 0)
            {
                return;
            }

            var names = string.Join(' ', missing.Select(p => p.AptPackage));
            var what = string.Join(", ", missing.Select(p => p.DisplayName));
            if (!File.Exists("/etc/debian_version"))
            {
                throw new PrerequisiteMissingException($"{what} not installed. Install the packages '{names}' with your system's package manager.");
            }

            if (!NativeSignals.IsRoot)
            {
                throw new PrerequisiteMissingException($"{what} not installed. Run: sudo apt-get update && sudo apt-get install -y {names}");
            }

            log($"installing {what} with apt-get (one time): apt-get install -y {names}");
            await RunAptAsync(["update", "-qq"], cancellationToken).ConfigureAwait(false);
            await RunAptAsync(["install", "-y", "-qq", "--no-install-recommends", .. missing.Select(p => p.AptPackage)], cancellationToken).ConfigureAwait(false);
            var stillMissing = missing.Where(p => !p.IsInstalled()).Select(p => p.DisplayName).ToList();
            if (stillMissing.Count > 0)
            {
                throw new PrerequisiteMissingException($"apt-get finished but {string.Join(", ", stillMissing)} still cannot be found.");
            }
        }
        finally
        {
            InProcessLock.Release();
        }
    }

    private static async Task RunAptAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("apt-get")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-o");
        info.ArgumentList.Add("DPkg::Lock::Timeout=600");
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var process = Process.Start(info) ?? throw new PrerequisiteMissingException("could not start apt-get");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            var output = (await stdout.ConfigureAwait(false)) + (await stderr.ConfigureAwait(false));
            var tail = string.Join('\n', output.Split('\n').TakeLast(15));
            throw new PrerequisiteMissingException($"apt-get {string.Join(' ', arguments)} failed with exit code {process.ExitCode}:\n{tail}");
        }
    }

    private static async Task<FileStream> AcquireMachineLockAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), "apphost-os-prerequisites.lock");
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

/// <summary>A required OS package is missing and could not be installed here.</summary>
public sealed class PrerequisiteMissingException(string message) : Exception(message);
