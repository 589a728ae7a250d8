using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Access;

namespace Platform.Data;

/// <summary>What one schema update did.</summary>
public sealed record SchemaUpdateResult(IReadOnlyList<SqlMigration> Applied, int LatestVersion);

/// <summary>
/// Brings a database to the code's schema: applies pending SQL migrations, then seeds the
/// reference data that code defines (the permission catalogue and system roles). Runs as the
/// database owner: in the AppHost's migrations step locally, and in Workers at start in Azure.
/// </summary>
public static class SchemaUpdater
{
    public static async Task<SchemaUpdateResult> UpdateAsync(string ownerConnectionString, ILoggerFactory? loggers = null, CancellationToken cancellationToken = default)
    {
        loggers ??= NullLoggerFactory.Instance;
        var migrations = SqlMigration.Embedded();
        var applied = await new SqlMigrationRunner(loggers.CreateLogger<SqlMigrationRunner>())
            .ApplyAsync(ownerConnectionString, migrations, cancellationToken).ConfigureAwait(false);
        await PermissionCatalogueSeeder.SeedAsync(ownerConnectionString, loggers.CreateLogger(typeof(PermissionCatalogueSeeder)), cancellationToken).ConfigureAwait(false);
        return new SchemaUpdateResult(applied, migrations.Count == 0 ? 0 : migrations[^1].Version);
    }
}
