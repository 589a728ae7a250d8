using AppHost.Hosting.Manifest;
using Microsoft.Extensions.Logging;
using Platform.Data;

namespace AppHost.Hosting.Resources;

/// <summary>
/// A one-shot step that applies the platform's SQL migrations and reference data as the database owner, so that
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
        using var loggers = LoggerFactory.Create(logging => logging.AddProvider(new ConsoleLoggerProvider(context.Log, Name)));
        var result = await SchemaUpdater.UpdateAsync(Database.OwnerConnectionString, loggers, cancellationToken).ConfigureAwait(false);
        _summary = $"schema at V{result.LatestVersion} ({result.Applied.Count} applied now)";
    }

    internal override void WriteManifest(ManifestBuilder manifest)
    {
        // Nothing to deploy: the step runs inside the AppHost.
    }

    /// <summary>Routes the schema update's log lines to the AppHost console under this resource's name.</summary>
    private sealed class ConsoleLoggerProvider(ConsoleLog log, string name) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ConsoleLogger(log, name);

        public void Dispose()
        {
        }
    }

    private sealed class ConsoleLogger(ConsoleLog log, string name) : ILogger
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
