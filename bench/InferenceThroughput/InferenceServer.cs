using System.Diagnostics;
using System.Security.Cryptography;
using AppHost.Hosting.Processes;
using AppHost.Hosting.Provisioning;
using Npgsql;
using Platform.Ai;
using Platform.Data;

namespace InferenceThroughput;

/// <summary>
/// PostgreSQL (through the AppHost's provisioning) and the real AiInference from its build output, each a
/// child process on a free loopback port with data in a temporary folder; removed on dispose.
/// </summary>
internal sealed class InferenceServer : IAsyncDisposable
{
    private const string Database = "platformdb";
    private readonly List<IAsyncDisposable> _started = [];
    private readonly string _root;

    private InferenceServer(string root) => _root = root;

    public Uri Url { get; private set; } = null!;

    public ServiceTokens Tokens { get; private set; } = null!;

    public AiModelStore Models { get; private set; } = null!;

    public Dictionary<string, int> Processes { get; } = new() { ["load generator"] = Environment.ProcessId };

    public static string BuildConfiguration => new DirectoryInfo(Path.GetDirectoryName(new Projects.AiInference().TargetPath)!).Parent!.Name;

    public static async Task<InferenceServer> StartAsync(string libraryPath, bool verbose, CancellationToken cancellationToken)
    {
        var server = new InferenceServer(Path.Combine(Path.GetTempPath(), "platform-bench", $"{Environment.ProcessId}-{Guid.NewGuid():N}"[..20]));
        Directory.CreateDirectory(server._root);
        try
        {
            await server.StartCoreAsync(libraryPath, verbose, cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _started.Count - 1; i >= 0; i--)
        {
            await _started[i].DisposeAsync();
        }

        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private async Task StartCoreAsync(string libraryPath, bool verbose, CancellationToken cancellationToken)
    {
        Action<string, string> output = verbose ? (name, line) => Console.Error.WriteLine($"[{name}] {line}") : (_, _) => { };
        var postgres = Track(await PostgresServer.StartAsync(new PostgresServerOptions("postgres", Path.Combine(_root, "postgres"), PortGuard.GetFreePort(), Secret()), output, cancellationToken));
        Processes["postgres"] = postgres.Process.ProcessId;
        var owner = new DatabaseRole($"{Database}_owner", Secret());
        var app = new DatabaseRole($"{Database}_app", Secret());
        await postgres.EnsureDatabaseAsync(Database, owner, app, cancellationToken);
        var port = postgres.Options.Port;
        await SchemaUpdater.UpdateAsync(PostgresServer.BuildConnectionString(port, owner.Name, owner.Password, Database), cancellationToken: cancellationToken);
        var appConnection = PostgresServer.BuildConnectionString(port, app.Name, app.Password, Database);
        Models = new AiModelStore(NpgsqlDataSource.Create(appConnection));
        var key = Secret() + Secret();
        Tokens = new ServiceTokens(new ServiceTokenOptions { SigningKey = key, Lifetime = TimeSpan.FromHours(2) });

        var service = new Projects.AiInference();
        if (!File.Exists(service.TargetPath))
        {
            throw new ResourceFailedException("aiinference", $"{service.TargetPath} does not exist. Build first: dotnet build -c Release {service.ProjectPath}", []);
        }

        Url = new Uri($"http://127.0.0.1:{PortGuard.GetFreePort()}");
        var spec = new ChildProcessSpec("aiinference", "dotnet", [service.TargetPath])
        {
            Environment = new Dictionary<string, string?>
            {
                ["ASPNETCORE_URLS"] = Url.ToString().TrimEnd('/'),
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["DOTNET_ENVIRONMENT"] = "Production",
                ["Logging__LogLevel__Default"] = "Warning",
                ["ASPNETCORE_HTTP_PORTS"] = null,
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
                ["ConnectionStrings__platformdb"] = appConnection,
                ["OnnxRuntime__LibraryPath"] = libraryPath,
                ["ServiceTokens__SigningKey"] = key,
            },
            WorkingDirectory = Path.GetDirectoryName(service.ProjectPath),
        };
        var child = Track(ChildProcess.Start(spec, output));
        Processes["aiinference"] = child.ProcessId;
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (child.HasExited)
            {
                throw new ResourceFailedException("aiinference", $"exited with code {child.ExitCode} during start-up", child.RecentOutput);
            }

            try
            {
                using var response = await probe.GetAsync(new Uri(Url, "/v2/health/ready"), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(90))
            {
                throw new ResourceFailedException("aiinference", "not ready within 90 s", child.RecentOutput);
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Publishes a platform model and waits until the server serves it.</summary>
    public async Task PublishAsync(string name, byte[] onnx, int maxBatchSize, int maxQueueDelayMicroseconds, CancellationToken cancellationToken)
    {
        await Models.PublishPlatformModelAsync(new NewAiModel(name, "bench", onnx, MaxBatchSize: maxBatchSize, MaxQueueDelayMicroseconds: maxQueueDelayMicroseconds), cancellationToken);
        using var client = new HttpClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", Tokens.Issue(null, DateTimeOffset.UtcNow));
        for (var i = 0; i < 300; i++)
        {
            using var response = await client.GetAsync(new Uri(Url, $"/v2/models/{name}/ready"), cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new ResourceFailedException("aiinference", $"model {name} not served within 30 s", []);
    }

    private T Track<T>(T started)
        where T : IAsyncDisposable
    {
        _started.Add(started);
        return started;
    }

    private static string Secret() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
}
