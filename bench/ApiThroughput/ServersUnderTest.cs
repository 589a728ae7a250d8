using System.Diagnostics;
using System.Security.Cryptography;
using AppHost.Hosting.Processes;
using AppHost.Hosting.Provisioning;
using Platform.Data;

namespace ApiThroughput;

/// <summary>
/// Everything the benchmark talks to, each a child process on a free loopback port with its data in a
/// temporary folder: PostgreSQL and Redis (through the AppHost's own provisioning), the real Api from
/// its build output, and the bare baseline. Disposing stops them in reverse order and removes the folder;
/// they run under <see cref="ChildProcess"/>, so none outlives the benchmark even if it is killed.
/// </summary>
internal sealed class ServersUnderTest : IAsyncDisposable
{
    private const string Database = "platformdb";
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(90);
    private readonly List<IAsyncDisposable> _started = [];
    private readonly string _root;

    private ServersUnderTest(string root) => _root = root;

    public Uri ApiUrl { get; private set; } = null!;

    public Uri BareUrl { get; private set; } = null!;

    /// <summary>Superuser connection to the Api's database, for arranging data the Api has no endpoint for.</summary>
    public string SuperuserConnectionString { get; private set; } = null!;

    /// <summary>The processes whose CPU a run accounts for, by the name the report gives them.</summary>
    public Dictionary<string, int> Processes { get; } = new() { ["load generator"] = Environment.ProcessId };

    /// <summary>Where the Api drops its emails (.eml files).</summary>
    public string MailFolder => Path.Combine(_root, "mail");

    /// <summary>The Api's build configuration, read from its output path (Debug figures are not worth reporting).</summary>
    public static string ApiBuildConfiguration => new DirectoryInfo(Path.GetDirectoryName(new Projects.Api().TargetPath)!).Parent!.Name;

    /// <summary>PostgreSQL, Redis, the schema, and the Api, healthy. The bare baseline starts later, once its body is known.</summary>
    public static async Task<ServersUnderTest> StartAsync(BenchmarkOptions options, Action<string> progress, CancellationToken cancellationToken)
    {
        var root = Path.Combine(Path.GetTempPath(), "platform-bench", $"{Environment.ProcessId}-{Guid.NewGuid():N}"[..20]);
        Directory.CreateDirectory(root);
        var servers = new ServersUnderTest(root);
        try
        {
            await servers.StartInfrastructureAndApiAsync(options, progress, cancellationToken);
            return servers;
        }
        catch
        {
            await servers.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the bare baseline serving <paramref name="body"/> at <see cref="BareEndpoint.Path"/>.</summary>
    public async Task StartBareAsync(byte[] body, BenchmarkOptions options, CancellationToken cancellationToken)
    {
        var bodyFile = Path.Combine(_root, "bare-body.json");
        await File.WriteAllBytesAsync(bodyFile, body, cancellationToken);
        var port = PortGuard.GetFreePort();
        // This program again, in its --serve-bare mode, run like the Api: `dotnet <dll>`, Production, warnings only,
        // and server GC, which the Api has from the Web SDK while this console project does not.
        var self = typeof(BareEndpoint).Assembly.Location;
        var spec = new ChildProcessSpec("bare", "dotnet", [self, BareEndpoint.Argument, port.ToString(System.Globalization.CultureInfo.InvariantCulture), bodyFile])
        {
            Environment = ServiceEnvironment(new Dictionary<string, string?> { ["DOTNET_gcServer"] = "1" }),
        };
        BareUrl = new Uri($"http://127.0.0.1:{port}");
        var bare = Track(ChildProcess.Start(spec, Output(options)));
        Processes["bare"] = bare.ProcessId;
        await WaitUntilHealthyAsync(bare, BareUrl, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        // Reverse order: services before the stores they use.
        for (var i = _started.Count - 1; i >= 0; i--)
        {
            await _started[i].DisposeAsync();
        }

        _started.Clear();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private async Task StartInfrastructureAndApiAsync(BenchmarkOptions options, Action<string> progress, CancellationToken cancellationToken)
    {
        var output = Output(options);
        var postgres = Track(await PostgresServer.StartAsync(
            new PostgresServerOptions("postgres", Path.Combine(_root, "postgres"), PortGuard.GetFreePort(), NewSecret()), output, cancellationToken));
        var redis = Track(await RedisServer.StartAsync(
            new RedisServerOptions("redis", Path.Combine(_root, "redis"), PortGuard.GetFreePort(), NewSecret()), output, cancellationToken));
        progress($"postgres on {postgres.Options.Port}, redis on {redis.Options.Port}");
        Processes["postgres"] = postgres.Process.ProcessId;
        Processes["redis"] = redis.Process.ProcessId;

        // Provisioned like the application's database: migrations as the owner, the Api as the least-privilege role.
        var owner = new DatabaseRole($"{Database}_owner", NewSecret());
        var app = new DatabaseRole($"{Database}_app", NewSecret());
        await postgres.EnsureDatabaseAsync(Database, owner, app, cancellationToken);
        var port = postgres.Options.Port;
        await SchemaUpdater.UpdateAsync(PostgresServer.BuildConnectionString(port, owner.Name, owner.Password, Database), cancellationToken: cancellationToken);
        SuperuserConnectionString = postgres.ConnectionString(Database);

        var api = new Projects.Api();
        if (!File.Exists(api.TargetPath))
        {
            throw new ResourceFailedException("api", $"{api.TargetPath} does not exist. Build first: dotnet build -c Release {api.ProjectPath}", []);
        }

        var apiPort = PortGuard.GetFreePort();
        ApiUrl = new Uri($"http://127.0.0.1:{apiPort}");
        var settings = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = ApiUrl.ToString().TrimEnd('/'),
            ["ConnectionStrings__platformdb"] = PostgresServer.BuildConnectionString(port, app.Name, app.Password, Database),
            ["ConnectionStrings__redis"] = redis.ConnectionString,
            ["Email__PickupDirectory"] = MailFolder,
            // Outside Development the Api refuses to start without its AiInference credentials (none is called here).
            ["ServiceTokens__SigningKey"] = NewSecret() + NewSecret(),
        };
        foreach (var (key, value) in RateLimitSettings(options.RateLimiting))
        {
            settings[key] = value;
        }

        var spec = new ChildProcessSpec("api", "dotnet", [api.TargetPath])
        {
            Environment = ServiceEnvironment(settings),
            // Like the AppHost and `dotnet run`: the content root (appsettings.json) is the project folder.
            WorkingDirectory = Path.GetDirectoryName(api.ProjectPath),
        };
        var child = Track(ChildProcess.Start(spec, output));
        Processes["api"] = child.ProcessId;
        await WaitUntilHealthyAsync(child, ApiUrl, cancellationToken);
        progress($"api on {apiPort} ({ApiBuildConfiguration} build, Production environment)");
    }

    /// <summary>
    /// On: the limiter stays in every request's path (a Redis round trip, as in production) with budgets
    /// no run can spend. Off: the limiter is removed.
    /// </summary>
    private static Dictionary<string, string?> RateLimitSettings(bool enabled)
    {
        if (!enabled)
        {
            return new() { ["RateLimiting__Enabled"] = "false" };
        }

        const string Huge = "1000000000";
        return new()
        {
            ["RateLimiting__Plans__free__Limit"] = Huge,
            ["RateLimiting__Plans__pro__Limit"] = Huge,
            ["RateLimiting__Plans__enterprise__Limit"] = Huge,
            ["RateLimiting__Anonymous__Limit"] = Huge,
            ["RateLimiting__Policies__auth__Limit"] = Huge,
        };
    }

    /// <summary>What both servers share: Production, warnings-only logging, nothing inherited that points elsewhere.</summary>
    private static Dictionary<string, string?> ServiceEnvironment(IReadOnlyDictionary<string, string?> settings)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["Logging__LogLevel__Default"] = "Warning",
            ["ASPNETCORE_HTTP_PORTS"] = null,
            ["ASPNETCORE_HTTPS_PORTS"] = null,
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
            ["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = null,
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        return environment;
    }

    private static async Task WaitUntilHealthyAsync(ChildProcess process, Uri url, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var health = new Uri(url, "/health");
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new ResourceFailedException(process.Spec.Name, $"exited with code {process.ExitCode} during start-up", process.RecentOutput);
            }

            try
            {
                using var response = await client.GetAsync(health, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            if (deadline.Elapsed > StartupTimeout)
            {
                throw new ResourceFailedException(process.Spec.Name, $"{health} did not answer 200 within {StartupTimeout.TotalSeconds:0} s", process.RecentOutput);
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private static Action<string, string> Output(BenchmarkOptions options) =>
        options.Verbose ? (name, line) => Console.Error.WriteLine($"[{name}] {line}") : (_, _) => { };

    private T Track<T>(T started)
        where T : IAsyncDisposable
    {
        _started.Add(started);
        return started;
    }

    private static string NewSecret() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
}
