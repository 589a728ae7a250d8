using System.Globalization;
using System.Text.Json.Nodes;
using AppHost.Hosting.Manifest;
using AppHost.Hosting.Processes;
using AppHost.Hosting.Provisioning;

namespace AppHost.Hosting.Resources;

/// <summary>A Redis server with a password: a local process in run mode, the official image in the manifest.</summary>
public sealed class RedisResource(string name, int port) : Resource(name), IResourceWithConnectionString
{
    private RedisServer? _server;

    public int Port { get; } = port;

    public string PasswordParameter => $"{Name}-password";

    public string ConnectionString => _server?.ConnectionString ?? throw new InvalidOperationException($"{Name} has not started.");

    public IReadOnlyDictionary<string, string> ConnectionProperties
    {
        get
        {
            var prefix = Name.ToUpperInvariant().Replace('-', '_');
            var password = _server!.Options.Password;
            var port = Port.ToString(CultureInfo.InvariantCulture);
            return new Dictionary<string, string>
            {
                [$"{prefix}_HOST"] = "127.0.0.1",
                [$"{prefix}_PORT"] = port,
                [$"{prefix}_PASSWORD"] = password,
                [$"{prefix}_URI"] = $"redis://:{Uri.EscapeDataString(password)}@127.0.0.1:{port}",
            };
        }
    }

    public override string Endpoint => $"tcp://127.0.0.1:{Port}";

    internal override ChildProcess? Process => _server?.Process;

    internal override async Task StartAsync(RunContext context, CancellationToken cancellationToken)
    {
        var options = new RedisServerOptions(Name, Path.Combine(context.DataDirectory, Name), Port, context.Parameters.Get(PasswordParameter));
        _server = await RedisServer.StartAsync(options, context.Log.Child, cancellationToken).ConfigureAwait(false);
    }

    internal override Task StopAsync() => _server?.StopAsync() ?? Task.CompletedTask;

    internal override void WriteManifest(ManifestBuilder manifest)
    {
        manifest.Add(Name, new JsonObject
        {
            ["type"] = "container.v0",
            ["connectionString"] = $"{{{Name}.bindings.tcp.host}}:{{{Name}.bindings.tcp.port}},password={{{PasswordParameter}.value}}",
            ["image"] = "docker.io/library/redis:7.0",
            ["entrypoint"] = "/bin/sh",
            ["args"] = new JsonArray("-c", "redis-server --requirepass $REDIS_PASSWORD --save 60 1"),
            ["env"] = new JsonObject { ["REDIS_PASSWORD"] = $"{{{PasswordParameter}.value}}" },
            ["bindings"] = new JsonObject
            {
                ["tcp"] = new JsonObject { ["scheme"] = "redis", ["protocol"] = "tcp", ["transport"] = "tcp", ["targetPort"] = 6379 },
            },
        });
        manifest.AddGeneratedSecret(PasswordParameter);
    }
}
