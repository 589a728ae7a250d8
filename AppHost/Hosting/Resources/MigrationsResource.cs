using AppHost.Hosting.Manifest;
using Microsoft.Extensions.Logging;
using Platform.Data;

namespace AppHost.Hosting.Resources;

/// <summary>
/// A one-shot step that applies the platform's SQL migrations as the database owner, so that
/// services start on an up-to-date schema instead of racing to migrate it. Run mode only: in
/// Azure, Workers apply them at start (see AppHost/Program.cs).
/// </summary>
public sealed class MigrationsResource(string name, PostgresDatabaseResource database) : Resource(name)
{
    public PostgresDatabaseResource Database { get; } = database;

    public override string Endpoint => _summary;

    private string _summary = string.Empty;

    internal override async Task StartAsync(RunContext context, CancellationToken cancellationToken)
    {
        var migrations = SqlMigration.Embedded();
        var runner = new SqlMigrationRunner(new ConsoleLogger<SqlMigrationRunner>(context.Log, Name));
        var applied = await runner.ApplyAsync(Database.OwnerConnectionString, migrations, cancellationToken).ConfigureAwait(false);
        _summary = $"schema at V{(migrations.Count == 0 ? 0 : migrations[^1].Version)} ({applied.Count} applied now)";
    }

    internal override void WriteManifest(ManifestBuilder manifest)
    {
        // Nothing to deploy: the step runs inside the AppHost.
    }

    /// <summary>Routes the runner's log lines to the AppHost console under this resource's name.</summary>
    private sealed class ConsoleLogger<T>(ConsoleLog log, string name) : ILogger<T>
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                log.Child(name, formatter(state, exception));
            }
        }
    }
}
