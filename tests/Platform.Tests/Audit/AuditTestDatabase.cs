using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Platform.Audit;
using Platform.Data;
using TestKit;

namespace Platform.Tests.Audit;

/// <summary>A fresh database migrated by the owner, with data sources for the owner and the application role.</summary>
internal sealed class AuditTestDatabase : IAsyncDisposable
{
    private AuditTestDatabase(TestDatabase database)
    {
        Database = database;
        App = NpgsqlDataSource.Create(database.AppConnectionString);
        Owner = NpgsqlDataSource.Create(database.OwnerConnectionString);
        Superuser = NpgsqlDataSource.Create(database.SuperuserConnectionString);
    }

    public TestDatabase Database { get; }

    /// <summary>The least-privilege role the services connect as.</summary>
    public NpgsqlDataSource App { get; }

    /// <summary>The migration identity: owns the tables and bypasses row-level security.</summary>
    public NpgsqlDataSource Owner { get; }

    public NpgsqlDataSource Superuser { get; }

    public static async Task<AuditTestDatabase> CreateAsync(string name)
    {
        var database = await TestEnvironment.CreateDatabaseAsync(name);
        await new SqlMigrationRunner(NullLogger<SqlMigrationRunner>.Instance).ApplyAsync(database.OwnerConnectionString, SqlMigration.Embedded());
        return new AuditTestDatabase(database);
    }

    /// <summary>Begins a transaction for <paramref name="tenantId"/> the way the data layer does.</summary>
    public static async Task<NpgsqlTransaction> BeginTenantAsync(NpgsqlConnection connection, Guid? tenantId)
    {
        var transaction = await connection.BeginTransactionAsync();
        await Platform.Tenancy.TenantSession.ApplyAsync(connection, transaction, tenantId, userId: null, CancellationToken.None);
        return transaction;
    }

    /// <summary>Appends the entries as the application role in one committed transaction.</summary>
    public async Task<AuditRecord[]> AppendAsync(AuditWriter writer, Guid? tenantId, params AuditEntry[] entries)
    {
        await using var connection = await App.OpenConnectionAsync();
        await using var transaction = await BeginTenantAsync(connection, tenantId);
        var records = new List<AuditRecord>();
        foreach (var entry in entries)
        {
            records.Add(await writer.AppendAsync(connection, transaction, entry));
        }

        await transaction.CommitAsync();
        return [.. records];
    }

    public static async Task<int> ExecuteAsync(NpgsqlDataSource source, string sql, params object[] values)
    {
        await using var command = source.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new() { Value = value });
        }

        return await command.ExecuteNonQueryAsync();
    }

    public static async Task<string[]> QueryAsync(NpgsqlDataSource source, string sql, params object[] values)
    {
        await using var command = source.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new() { Value = value });
        }

        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.IsDBNull(0) ? "<null>" : reader.GetValue(0).ToString()!);
        }

        return [.. rows];
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Owner.DisposeAsync();
        await Superuser.DisposeAsync();
    }
}

/// <summary>A clock the test sets; audit times are whatever the test says.</summary>
internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

internal static class Entries
{
    public static AuditEntry Update(Guid? tenantId, string resourceId, int version) => new(
        tenantId,
        AuditActorType.User,
        Guid.NewGuid(),
        "customer.updated",
        "customer",
        resourceId,
        AuditChanges.Of(new { name = "Acme", version }, new { name = "Acme Ltd", version = version + 1 }),
        System.Net.IPAddress.Parse("203.0.113.7"),
        "Mozilla/5.0 (test)",
        "4bf92f3577b34da6a3ce929d0e0e4736");
}
