using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Audit;
using Platform.Caching;
using Platform.Data;
using Platform.Security;
using Platform.Tests.Caching;
using TestKit;

namespace Platform.Tests.Security;

/// <summary>
/// A database migrated by the owner for one test class, and the security services acting as the application role
/// on the shared Redis, on a clock the test sets. Tests create their own organizations (as the owner) and use random
/// addresses, so they do not see each other's rows or counts.
/// </summary>
internal sealed class SecurityTestDatabase : IAsyncDisposable
{
    private SecurityTestDatabase(TestDatabase database, RedisClient redis)
    {
        Database = database;
        Redis = redis;
        App = NpgsqlDataSource.Create(database.AppConnectionString);
        Owner = NpgsqlDataSource.Create(database.OwnerConnectionString);
    }

    public TestDatabase Database { get; }

    public RedisClient Redis { get; }

    /// <summary>The least-privilege role the services connect as.</summary>
    public NpgsqlDataSource App { get; }

    /// <summary>The migration identity: owns the tables and bypasses row-level security.</summary>
    public NpgsqlDataSource Owner { get; }

    public static async Task<SecurityTestDatabase> CreateAsync(string name)
    {
        var database = await TestEnvironment.CreateDatabaseAsync(name);
        await new SqlMigrationRunner(NullLogger<SqlMigrationRunner>.Instance).ApplyAsync(database.OwnerConnectionString, SqlMigration.Embedded());
        return new SecurityTestDatabase(database, await RedisTestServers.SharedClientAsync());
    }

    /// <summary>The module's services on <paramref name="clock"/>, with the given options (small thresholds by default, so tests stay short).</summary>
    public SecurityServices Services(SecurityClock clock, SecurityMonitoringOptions? options = null, RedisClient? redis = null) =>
        new(App, redis ?? Redis, clock, options ?? new SecurityMonitoringOptions
        {
            AccountFailureThreshold = 3,
            IpFailureThreshold = 5,
            PermissionDenialBurstThreshold = 4,
        });

    public async Task<Guid> CreateOrganizationAsync()
    {
        var id = Guid.NewGuid();
        await ExecuteAsync(Owner, "INSERT INTO organizations (id, slug, name) VALUES ($1, $2, $3)", id, $"org-{id:N}"[..30], "Org " + id.ToString("N")[..6]);
        return id;
    }

    public async Task<Guid> CreateMemberAsync(Guid tenantId)
    {
        var userId = Guid.NewGuid();
        await ExecuteAsync(Owner, "INSERT INTO users (id, user_name, email) VALUES ($1, $2, $2)", userId, $"{userId:N}@example.test");
        await ExecuteAsync(Owner, "INSERT INTO organization_members (tenant_id, user_id) VALUES ($1, $2)", tenantId, userId);
        return userId;
    }

    public static async Task<int> ExecuteAsync(NpgsqlDataSource source, string sql, params object?[] values)
    {
        await using var command = source.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new() { Value = value ?? DBNull.Value });
        }

        return await command.ExecuteNonQueryAsync();
    }

    public static async Task<long> CountAsync(NpgsqlDataSource source, string sql, params object?[] values)
    {
        await using var command = source.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new() { Value = value ?? DBNull.Value });
        }

        return (long)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Owner.DisposeAsync();
        await Redis.DisposeAsync();
    }
}

/// <summary>The security services wired as the application wires them.</summary>
internal sealed class SecurityServices
{
    public SecurityServices(NpgsqlDataSource app, RedisClient redis, SecurityClock clock, SecurityMonitoringOptions options)
    {
        var monitoring = Options.Create(options);
        Clock = clock;
        AuditWriter = new AuditWriter(clock);
        BruteForce = new BruteForceDetector(redis, monitoring, clock, NullLogger<BruteForceDetector>.Instance);
        Alerts = new SecurityAlertService(app, AuditWriter, monitoring, clock, NullLogger<SecurityAlertService>.Instance);
        Recorder = new SecurityEventRecorder(app, AuditWriter, Alerts, BruteForce, redis, monitoring, clock, NullLogger<SecurityEventRecorder>.Instance);
        Evaluator = new IpAccessEvaluator(app, new SharedVersions(redis, clock, NullLogger<SharedVersions>.Instance), monitoring, clock, NullLogger<IpAccessEvaluator>.Instance);
        IpRules = new IpRuleService(app, AuditWriter, Evaluator, monitoring, clock, NullLogger<IpRuleService>.Instance);
        Summary = new SecuritySummaryQuery(app, redis, clock, NullLogger<SecuritySummaryQuery>.Instance);
        Verifier = new AuditChainVerifier(app);
    }

    public SecurityClock Clock { get; }

    public AuditWriter AuditWriter { get; }

    public BruteForceDetector BruteForce { get; }

    public SecurityAlertService Alerts { get; }

    public SecurityEventRecorder Recorder { get; }

    public IpAccessEvaluator Evaluator { get; }

    public IpRuleService IpRules { get; }

    public SecuritySummaryQuery Summary { get; }

    public AuditChainVerifier Verifier { get; }
}

/// <summary>A clock the test sets and moves.</summary>
internal sealed class SecurityClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    /// <summary>Now, truncated to the second: inside this month's audit partition, which migrations create.</summary>
    public static SecurityClock AtPresent() => new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}

internal static class TestAddresses
{
    /// <summary>A random address in 10.0.0.0/8, so tests never share per-address counts on the shared Redis.</summary>
    public static System.Net.IPAddress RandomIPv4() =>
        new([10, (byte)Random.Shared.Next(256), (byte)Random.Shared.Next(256), (byte)Random.Shared.Next(1, 255)]);

    /// <summary>A random address in its own random /64 under fd00::/8.</summary>
    public static System.Net.IPAddress RandomIPv6()
    {
        var bytes = new byte[16];
        Random.Shared.NextBytes(bytes);
        bytes[0] = 0xfd;
        return new System.Net.IPAddress(bytes);
    }
}
