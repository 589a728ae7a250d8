using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Platform.Data;
using TestKit;

namespace Platform.Tests.Data;

[TestClass]
public sealed class MigrationsOnStartupTests
{
    [TestMethod]
    public async Task A_host_with_apply_on_start_migrates_before_it_runs()
    {
        var db = await TestEnvironment.CreateDatabaseAsync("mig_onstart");

        await RunHostAsync(db.OwnerConnectionString, applyOnStart: true);

        Assert.AreEqual(SqlMigration.Embedded()[^1].Version, await LatestVersionAsync(db.OwnerConnectionString));
    }

    [TestMethod]
    public async Task Without_the_setting_the_host_leaves_the_schema_alone()
    {
        var db = await TestEnvironment.CreateDatabaseAsync("mig_offstart");

        await RunHostAsync(db.OwnerConnectionString, applyOnStart: false);

        Assert.IsNull(await LatestVersionAsync(db.OwnerConnectionString));
    }

    private static async Task RunHostAsync(string connectionString, bool applyOnStart)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:platformdb"] = connectionString,
            ["Migrations:ApplyOnStart"] = applyOnStart ? "true" : "false",
        });
        builder.AddMigrationsOnStart();
        using var host = builder.Build();
        await host.StartAsync();
        await host.StopAsync();
    }

    private static async Task<int?> LatestVersionAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT max(version) FROM schema_migrations WHERE to_regclass('schema_migrations') IS NOT NULL", connection);
        try
        {
            return await command.ExecuteScalarAsync() is int version ? version : null;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return null;
        }
    }
}
