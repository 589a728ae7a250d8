using System.Security.Cryptography;
using AppHost.Hosting.Provisioning;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Data;

namespace QueueThroughput;

/// <summary>
/// A real PostgreSQL (the AppHost's provisioning, free port, data in a temporary folder) with the application's
/// database: migrations run as the owner role, the pipeline runs as the least-privilege application role through the
/// data source every service builds (<see cref="DatabaseExtensions.AddPlatformDatabase(IServiceCollection, string, string)"/>).
/// </summary>
internal sealed class BenchDatabase : IAsyncDisposable
{
    private const string Name = "platformdb";
    private readonly string _root;
    private readonly PostgresServer _server;
    private readonly ServiceProvider _workers;
    private readonly ServiceProvider _api;

    private BenchDatabase(string root, PostgresServer server, string appConnectionString, string ownerConnectionString)
    {
        _root = root;
        _server = server;
        _workers = new ServiceCollection().AddPlatformDatabase(appConnectionString).BuildServiceProvider();
        _api = new ServiceCollection().AddPlatformDatabase(appConnectionString).BuildServiceProvider();
        OwnerConnectionString = ownerConnectionString;
        DataSource = _workers.GetRequiredService<NpgsqlDataSource>();
        ProducerDataSource = _api.GetRequiredService<NpgsqlDataSource>();
    }

    /// <summary>The application role's data source as the Workers build it: pooled, row-level security applies.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>The producers' own pool, as the Api (another process) has its own.</summary>
    public NpgsqlDataSource ProducerDataSource { get; }

    /// <summary>The owner role: arranges data and reads tables whole.</summary>
    public string OwnerConnectionString { get; }

    /// <summary>
    /// The processes whose CPU a phase accounts for: this one (producers, relay and consumers) and PostgreSQL with its backends.
    /// </summary>
    public IReadOnlyDictionary<string, int> Processes => new Dictionary<string, int>
    {
        ["benchmark"] = Environment.ProcessId,
        ["postgres"] = _server.Process.ProcessId,
    };

    public static async Task<BenchDatabase> StartAsync(bool verbose, bool statements, CancellationToken cancellationToken)
    {
        var root = Path.Combine(Path.GetTempPath(), "platform-bench", $"queue-{Environment.ProcessId}-{Guid.NewGuid():N}"[..24]);
        Directory.CreateDirectory(root);
        Action<string, string> output = verbose ? (name, line) => Console.Error.WriteLine($"[{name}] {line}") : (_, _) => { };
        var server = await PostgresServer.StartAsync(
            new PostgresServerOptions("postgres", Path.Combine(root, "postgres"), PortGuard.GetFreePort(), NewSecret())
            {
                Settings = statements ? ["shared_preload_libraries=pg_stat_statements", "pg_stat_statements.track=all"] : [],
            },
            output,
            cancellationToken);
        try
        {
            var owner = new DatabaseRole($"{Name}_owner", NewSecret());
            var app = new DatabaseRole($"{Name}_app", NewSecret());
            await server.EnsureDatabaseAsync(Name, owner, app, cancellationToken);
            var port = server.Options.Port;
            var ownerConnection = PostgresServer.BuildConnectionString(port, owner.Name, owner.Password, Name);
            await SchemaUpdater.UpdateAsync(ownerConnection, cancellationToken: cancellationToken);
            return new BenchDatabase(root, server, PostgresServer.BuildConnectionString(port, app.Name, app.Password, Name), ownerConnection);
        }
        catch
        {
            await server.DisposeAsync();
            Directory.Delete(root, recursive: true);
            throw;
        }
    }

    /// <summary>Organizations for the events to belong to (outbox and queue rows are tenant-owned).</summary>
    public async Task<Guid[]> CreateOrganizationsAsync(int count, CancellationToken cancellationToken)
    {
        var ids = Enumerable.Range(0, count).Select(_ => Guid.NewGuid()).ToArray();
        await ExecuteAsOwnerAsync(
            "INSERT INTO organizations (id, slug, name) SELECT id, 'bench-' || replace(id::text, '-', ''), 'Benchmark' FROM unnest($1::uuid[]) AS id",
            cancellationToken, ids);
        return ids;
    }

    public async Task ExecuteAsOwnerAsync(string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(OwnerConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<long> CountAsOwnerAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(OwnerConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Starts counting statements afresh (only with <c>--statements</c>, which loads pg_stat_statements).</summary>
    public async Task ResetStatementsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenSuperuserAsync(cancellationToken);
        await using var command = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset();", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The statements that took the most execution time since the reset: total ms, calls, rows, ms per call, text.</summary>
    public async Task<IReadOnlyList<string>> TopStatementsAsync(int count, CancellationToken cancellationToken)
    {
        await using var connection = await OpenSuperuserAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            SELECT total_exec_time, calls, rows, regexp_replace(query, '\s+', ' ', 'g') FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            ORDER BY total_exec_time DESC LIMIT $1
            """, connection) { Parameters = { new() { Value = count } } };
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var (total, calls, rows, text) = (reader.GetDouble(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3));
            lines.Add(FormattableString.Invariant($"{total,9:N0} ms {calls,9:N0} calls {rows,9:N0} rows {total / Math.Max(1, calls),8:0.000} ms/call  {(text.Length > 110 ? text[..110] : text)}"));
        }

        return lines;
    }

    public async ValueTask DisposeAsync()
    {
        await _api.DisposeAsync();
        await _workers.DisposeAsync();
        await _server.DisposeAsync();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private async Task<NpgsqlConnection> OpenSuperuserAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(_server.ConnectionString(Name));
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static string NewSecret() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
}
