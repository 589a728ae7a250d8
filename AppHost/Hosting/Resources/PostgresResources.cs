using System.Globalization;
using System.Text.Json.Nodes;
using AppHost.Hosting.Manifest;
using AppHost.Hosting.Processes;
using AppHost.Hosting.Provisioning;
using Npgsql;

namespace AppHost.Hosting.Resources;

/// <summary>A PostgreSQL server: a local process in run mode, the official image in the manifest.</summary>
public sealed class PostgresServerResource(string name, int port) : Resource(name)
{
    private PostgresServer? _server;

    public int Port { get; } = port;

    public string PasswordParameter => $"{Name}-password";

    public List<PostgresDatabaseResource> Databases { get; } = [];

    internal PostgresServer Server => _server ?? throw new InvalidOperationException($"{Name} has not started.");

    public override string Endpoint => $"tcp://127.0.0.1:{Port}";

    internal override ChildProcess? Process => _server?.Process;

    internal override async Task StartAsync(RunContext context, CancellationToken cancellationToken)
    {
        var options = new PostgresServerOptions(Name, Path.Combine(context.DataDirectory, Name), Port, context.Parameters.Get(PasswordParameter));
        _server = await PostgresServer.StartAsync(options, context.Log.Child, cancellationToken).ConfigureAwait(false);
    }

    internal override Task StopAsync() => _server?.StopAsync() ?? Task.CompletedTask;

    internal override void WriteManifest(ManifestBuilder manifest)
    {
        manifest.Add(Name, new JsonObject
        {
            ["type"] = "container.v0",
            ["connectionString"] = $"Host={{{Name}.bindings.tcp.host}};Port={{{Name}.bindings.tcp.port}};Username=postgres;Password={{{PasswordParameter}.value}}",
            ["image"] = "docker.io/library/postgres:15",
            ["env"] = new JsonObject
            {
                ["POSTGRES_HOST_AUTH_METHOD"] = "scram-sha-256",
                ["POSTGRES_INITDB_ARGS"] = "--auth-host=scram-sha-256 --auth-local=scram-sha-256",
                ["POSTGRES_USER"] = "postgres",
                ["POSTGRES_PASSWORD"] = $"{{{PasswordParameter}.value}}",
            },
            ["bindings"] = new JsonObject
            {
                ["tcp"] = new JsonObject { ["scheme"] = "tcp", ["protocol"] = "tcp", ["transport"] = "tcp", ["targetPort"] = 5432 },
            },
            ["volumes"] = new JsonArray(new JsonObject { ["name"] = $"apphost-{Name}-data", ["target"] = "/var/lib/postgresql/data", ["readOnly"] = false }),
        });
        manifest.AddGeneratedSecret(PasswordParameter);
    }
}

/// <summary>
/// A database on a <see cref="PostgresServerResource"/>, created in run mode with two roles: an
/// owner (migrations) and a least-privilege application role, whose credentials referencing
/// services receive.
/// </summary>
public sealed class PostgresDatabaseResource(string name, PostgresServerResource server, string databaseName)
    : Resource(name), IResourceWithConnectionString
{
    private string? _connectionString;

    public PostgresServerResource Server { get; } = server;

    public string DatabaseName { get; } = databaseName;

    public DatabaseRole? Owner { get; private set; }

    public DatabaseRole? Application { get; private set; }

    public string ConnectionString => _connectionString ?? throw new InvalidOperationException($"{Name} has not been provisioned.");

    /// <summary>The owner's connection string, for migrations only.</summary>
    public string OwnerConnectionString => PostgresServer.BuildConnectionString(Server.Port, Owner!.Name, Owner.Password, DatabaseName);

    public IReadOnlyDictionary<string, string> ConnectionProperties
    {
        get
        {
            var prefix = Name.ToUpperInvariant().Replace('-', '_');
            var port = Server.Port.ToString(CultureInfo.InvariantCulture);
            return new Dictionary<string, string>
            {
                [$"{prefix}_HOST"] = "127.0.0.1",
                [$"{prefix}_PORT"] = port,
                [$"{prefix}_USERNAME"] = Application!.Name,
                [$"{prefix}_PASSWORD"] = Application.Password,
                [$"{prefix}_DATABASENAME"] = DatabaseName,
                [$"{prefix}_URI"] = $"postgresql://{Uri.EscapeDataString(Application.Name)}:{Uri.EscapeDataString(Application.Password)}@127.0.0.1:{port}/{DatabaseName}",
            };
        }
    }

    public override string Endpoint => $"database {DatabaseName}";

    internal override async Task StartAsync(RunContext context, CancellationToken cancellationToken)
    {
        var roleBase = DatabaseName.Replace('-', '_');
        Owner = new DatabaseRole($"{roleBase}_owner", context.Parameters.Get($"{Name}-owner-password"));
        Application = new DatabaseRole($"{roleBase}_app", context.Parameters.Get($"{Name}-app-password"));
        await Server.Server.EnsureDatabaseAsync(DatabaseName, Owner, Application, cancellationToken).ConfigureAwait(false);
        _connectionString = new NpgsqlConnectionStringBuilder(PostgresServer.BuildConnectionString(Server.Port, Application.Name, Application.Password, DatabaseName))
        {
            ApplicationName = null,
        }.ConnectionString;
    }

    internal override void WriteManifest(ManifestBuilder manifest) =>
        manifest.Add(Name, new JsonObject
        {
            ["type"] = "value.v0",
            ["connectionString"] = $"{{{Server.Name}.connectionString}};Database={DatabaseName}",
        });
}
