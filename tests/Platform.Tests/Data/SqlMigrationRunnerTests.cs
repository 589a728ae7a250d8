using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Platform.Data;
using TestKit;

namespace Platform.Tests.Data;

[TestClass]
public sealed class SqlMigrationRunnerTests
{
    private static readonly SqlMigrationRunner Runner = new(NullLogger<SqlMigrationRunner>.Instance);

    private static readonly SqlMigration[] Three =
    [
        new(1, "create_items", "CREATE TABLE items (id integer PRIMARY KEY, label text NOT NULL);"),
        new(2, "seed_items", "INSERT INTO items VALUES (1, 'first');"),
        new(3, "add_price", "ALTER TABLE items ADD COLUMN price numeric NOT NULL DEFAULT 0;"),
    ];

    [TestMethod]
    public async Task Applies_pending_migrations_in_version_order_and_records_them()
    {
        var db = await TestEnvironment.CreateDatabaseAsync("mig_order");

        // Given out of order, applied in order: V2 needs V1's table.
        var applied = await Runner.ApplyAsync(db.OwnerConnectionString, [Three[0], Three[1], Three[2]]);

        CollectionAssert.AreEqual(new[] { 1, 2, 3 }, applied.Select(m => m.Version).ToArray());
        var history = await QueryAsync(db.OwnerConnectionString, "SELECT version || ':' || name || ':' || checksum FROM schema_migrations ORDER BY version");
        CollectionAssert.AreEqual(Three.Select(m => $"{m.Version}:{m.Name}:{m.Checksum}").ToArray(), history);
        CollectionAssert.AreEqual(new[] { "first:0" }, await QueryAsync(db.OwnerConnectionString, "SELECT label || ':' || price FROM items"));
    }

    [TestMethod]
    public async Task Running_again_applies_nothing_and_keeps_data()
    {
        var db = await TestEnvironment.CreateDatabaseAsync("mig_idem");
        await Runner.ApplyAsync(db.OwnerConnectionString, Three);

        var second = await Runner.ApplyAsync(db.OwnerConnectionString, Three);

        Assert.IsEmpty(second);
        CollectionAssert.AreEqual(new[] { "1" }, await QueryAsync(db.OwnerConnectionString, "SELECT count(*)::text FROM items"));
    }

    [TestMethod]
    public async Task Only_new_migrations_are_applied_on_a_later_run()
    {
        var db = await TestEnvironment.CreateDatabaseAsync("mig_later");
        await Runner.ApplyAsync(db.OwnerConnectionString, Three[..2]);

        var applied = await Runner.ApplyAsync(db.OwnerConnectionString, Three);

        CollectionAssert.AreEqual(new[] { 3 }, applied.Select(m => m.Version).ToArray());
    }

    [TestMethod]
    public async Task An_applied_migration_that_was_edited_is_refused_with_its_name()
    {
        var db = await TestEnvironment.CreateDatabaseAsync("mig_checksum");
        await Runner.ApplyAsync(db.OwnerConnectionString, Three);
        SqlMigration[] edited = [Three[0], Three[1] with { Sql = "INSERT INTO items VALUES (1, 'changed');" }, Three[2]];

        var error = await Assert.ThrowsExactlyAsync<MigrationException>(() => Runner.ApplyAsync(db.OwnerConnectionString, edited));

        StringAssert.Contains(error.Message, "V2 (seed_items) was changed after it was applied");
        CollectionAssert.AreEqual(new[] { "first" }, await QueryAsync(db.OwnerConnectionString, "SELECT label FROM items"));
    }

    [TestMethod]
    public async Task A_failing_migration_is_rolled_back_whole_and_named()
    {
        var db = await TestEnvironment.CreateDatabaseAsync("mig_fail");
        SqlMigration[] migrations =
        [
            Three[0],
            new(2, "half_broken", "INSERT INTO items VALUES (7, 'kept?'); INSERT INTO no_such_table VALUES (1);"),
        ];

        var error = await Assert.ThrowsExactlyAsync<MigrationException>(() => Runner.ApplyAsync(db.OwnerConnectionString, migrations));

        StringAssert.Contains(error.Message, "V2 (half_broken) failed");
        StringAssert.Contains(error.Message, "no_such_table");
        Assert.IsEmpty(await QueryAsync(db.OwnerConnectionString, "SELECT label FROM items"));
        CollectionAssert.AreEqual(new[] { "1" }, await QueryAsync(db.OwnerConnectionString, "SELECT version::text FROM schema_migrations"));
    }

    [TestMethod]
    public async Task Concurrent_runners_apply_each_migration_exactly_once()
    {
        var db = await TestEnvironment.CreateDatabaseAsync("mig_race");
        SqlMigration[] migrations =
        [
            new(1, "create_log", "CREATE TABLE apply_log (version integer NOT NULL);"),
            new(2, "slow_step", "INSERT INTO apply_log VALUES (2); SELECT pg_sleep(0.3);"),
            new(3, "last_step", "INSERT INTO apply_log VALUES (3);"),
        ];

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Runner.ApplyAsync(db.OwnerConnectionString, migrations))));

        Assert.AreEqual(3, runs.Sum(r => r.Count), "each migration is applied by exactly one runner");
        CollectionAssert.AreEqual(new[] { "2", "3" }, await QueryAsync(db.OwnerConnectionString, "SELECT version::text FROM apply_log ORDER BY version"));
    }

    [TestMethod]
    public void A_badly_named_file_is_a_clear_error()
    {
        var error = Assert.ThrowsExactly<MigrationException>(() => SqlMigration.Parse("0002-add-things.sql", "SELECT 1"));

        StringAssert.Contains(error.Message, "'0002-add-things.sql' is not named V<number>__<description>.sql");
    }

    [TestMethod]
    public async Task The_platform_baseline_applies_and_the_application_role_cannot_change_the_schema()
    {
        var db = await TestEnvironment.CreateDatabaseAsync("mig_roles");
        await Runner.ApplyAsync(db.OwnerConnectionString, SqlMigration.Embedded());
        await Runner.ApplyAsync(db.OwnerConnectionString, [new(1000, "notes", "CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL);")]);

        await ExecuteAsync(db.AppConnectionString, "INSERT INTO notes (body) VALUES ('written by the app role')");
        var denied = await Assert.ThrowsExactlyAsync<PostgresException>(() => ExecuteAsync(db.AppConnectionString, "CREATE TABLE sneaky (id int)"));

        Assert.AreEqual(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
        CollectionAssert.AreEqual(new[] { "written by the app role" }, await QueryAsync(db.AppConnectionString, "SELECT body FROM notes"));
        CollectionAssert.AreEquivalent(new[] { "pg_trgm", "pgcrypto" }, await QueryAsync(db.AppConnectionString, "SELECT extname::text FROM pg_extension WHERE extname <> 'plpgsql'"));
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string[]> QueryAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return [.. rows];
    }
}
