using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Platform.Data;

/// <summary>
/// Applies versioned SQL migrations in order: one transaction per file, a history table with
/// checksums (an applied file that was edited is refused), and a PostgreSQL advisory lock so
/// replicas starting together apply each migration exactly once.
/// </summary>
public sealed partial class SqlMigrationRunner(ILogger<SqlMigrationRunner> logger)
{
    /// <summary>Arbitrary but fixed: every runner of this platform contends for the same lock.</summary>
    private const long AdvisoryLockKey = 0x5E_71_A7_F0_12;

    /// <summary>Applies the pending migrations and returns those it applied (none when up to date).</summary>
    public async Task<IReadOnlyList<SqlMigration>> ApplyAsync(string connectionString, IReadOnlyList<SqlMigration> migrations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(migrations);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, $"SELECT pg_advisory_lock({AdvisoryLockKey})", cancellationToken).ConfigureAwait(false);
        try
        {
            await ExecuteAsync(connection, """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version      integer     PRIMARY KEY,
                    name         text        NOT NULL,
                    checksum     text        NOT NULL,
                    applied_at   timestamptz NOT NULL DEFAULT now(),
                    execution_ms integer     NOT NULL
                )
                """, cancellationToken).ConfigureAwait(false);

            var applied = await ReadHistoryAsync(connection, cancellationToken).ConfigureAwait(false);
            VerifyChecksums(migrations, applied);

            var done = new List<SqlMigration>();
            foreach (var migration in migrations.Where(m => !applied.ContainsKey(m.Version)))
            {
                await ApplyOneAsync(connection, migration, cancellationToken).ConfigureAwait(false);
                done.Add(migration);
            }

            if (done.Count == 0)
            {
                LogUpToDate(logger, migrations.Count == 0 ? 0 : migrations[^1].Version);
            }

            return done;
        }
        finally
        {
            await ExecuteAsync(connection, $"SELECT pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static void VerifyChecksums(IReadOnlyList<SqlMigration> migrations, Dictionary<int, (string Name, string Checksum)> applied)
    {
        foreach (var migration in migrations)
        {
            if (applied.TryGetValue(migration.Version, out var row) && row.Checksum != migration.Checksum)
            {
                throw new MigrationException(
                    $"Migration V{migration.Version} ({migration.Name}) was changed after it was applied: the database recorded checksum " +
                    $"{row.Checksum[..12]}..., the file now has {migration.Checksum[..12]}.... Restore the file and add a new migration for the change.");
            }
        }
    }

    private async Task ApplyOneAsync(NpgsqlConnection connection, SqlMigration migration, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using (var script = new NpgsqlCommand(migration.Sql, connection, transaction))
            {
                await script.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using var record = new NpgsqlCommand(
                "INSERT INTO schema_migrations (version, name, checksum, execution_ms) VALUES ($1, $2, $3, $4)", connection, transaction)
            {
                Parameters =
                {
                    new() { Value = migration.Version },
                    new() { Value = migration.Name },
                    new() { Value = migration.Checksum },
                    new() { Value = (int)clock.ElapsedMilliseconds },
                },
            };
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex)
        {
            await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            var where = ex.Position > 0 ? $" at character {ex.Position}" : string.Empty;
            throw new MigrationException($"Migration V{migration.Version} ({migration.Name}) failed{where}: {ex.MessageText} (SQLSTATE {ex.SqlState}). Nothing of it was applied.", ex);
        }

        LogApplied(logger, migration.Version, migration.Name, clock.ElapsedMilliseconds);
    }

    private static async Task<Dictionary<int, (string Name, string Checksum)>> ReadHistoryAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var applied = new Dictionary<int, (string, string)>();
        await using var command = new NpgsqlCommand("SELECT version, name, checksum FROM schema_migrations", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            applied[reader.GetInt32(0)] = (reader.GetString(1), reader.GetString(2));
        }

        return applied;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration V{Version} {Name} in {ElapsedMs} ms")]
    private static partial void LogApplied(ILogger logger, int version, string name, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database schema is up to date (V{Version})")]
    private static partial void LogUpToDate(ILogger logger, int version);
}
