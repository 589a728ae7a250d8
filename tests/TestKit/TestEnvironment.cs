using System.Collections.Concurrent;
using System.Security.Cryptography;
using AppHost.Hosting.Provisioning;

namespace TestKit;

/// <summary>
/// Real PostgreSQL and Redis for a test assembly, started once through the AppHost's own
/// provisioning on free ports with data in a temporary folder. Test classes get their own
/// database (or key prefix), so they run in parallel and in any order.
/// Call <see cref="DisposeAsync"/> from the assembly's [AssemblyCleanup].
/// </summary>
public static class TestEnvironment
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static readonly ConcurrentQueue<string> ServerLog = new();
    private static PostgresServer? _postgres;
    private static RedisServer? _redis;
    private static string? _root;

    /// <summary>A temporary folder for this assembly run, removed at cleanup.</summary>
    public static string Root => _root ??= CreateRoot();

    /// <summary>The last lines the servers wrote, for failure messages.</summary>
    public static IEnumerable<string> RecentServerOutput => ServerLog.TakeLast(30);

    public static async Task<PostgresServer> PostgresAsync()
    {
        await Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            return _postgres ??= await PostgresServer.StartAsync(
                new PostgresServerOptions("postgres", Path.Combine(Root, "postgres"), PortGuard.GetFreePort(), NewSecret()),
                Record).ConfigureAwait(false);
        }
        finally
        {
            Gate.Release();
        }
    }

    public static async Task<RedisServer> RedisAsync()
    {
        await Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            return _redis ??= await RedisServer.StartAsync(
                new RedisServerOptions("redis", Path.Combine(Root, "redis"), PortGuard.GetFreePort(), NewSecret()),
                Record).ConfigureAwait(false);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>
    /// A fresh database named after the test class, provisioned like the application's: an owner role
    /// for migrations and a least-privilege application role.
    /// </summary>
    public static async Task<TestDatabase> CreateDatabaseAsync(string name)
    {
        var postgres = await PostgresAsync().ConfigureAwait(false);
        var unique = $"{name.ToLowerInvariant()}_{Guid.NewGuid():N}";
        var database = unique[..Math.Min(unique.Length, 40)];
        var owner = new DatabaseRole($"{database}_owner", NewSecret());
        var app = new DatabaseRole($"{database}_app", NewSecret());
        await postgres.EnsureDatabaseAsync(database, owner, app).ConfigureAwait(false);
        var port = postgres.Options.Port;
        return new TestDatabase(
            database,
            PostgresServer.BuildConnectionString(port, owner.Name, owner.Password, database),
            PostgresServer.BuildConnectionString(port, app.Name, app.Password, database),
            postgres.ConnectionString(database));
    }

    public static string NewSecret() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();

    public static async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync().ConfigureAwait(false);
            _redis = null;
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync().ConfigureAwait(false);
            _postgres = null;
        }

        if (_root is not null && Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static void Record(string name, string line)
    {
        ServerLog.Enqueue($"[{name}] {line}");
        while (ServerLog.Count > 200 && ServerLog.TryDequeue(out _))
        {
        }
    }

    private static string CreateRoot()
    {
        var root = Path.Combine(Path.GetTempPath(), "platform-tests", $"{Environment.ProcessId}-{Guid.NewGuid():N}"[..20]);
        Directory.CreateDirectory(root);
        return root;
    }
}

/// <summary>A test database with connection strings for each role.</summary>
public sealed record TestDatabase(string Name, string OwnerConnectionString, string AppConnectionString, string SuperuserConnectionString);
