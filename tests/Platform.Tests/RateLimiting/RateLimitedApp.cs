using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Caching;
using Platform.RateLimiting;
using Platform.Tenancy;

namespace Platform.Tests.RateLimiting;

/// <summary>
/// A real Kestrel application on loopback with the rate limiter in its pipeline, as the Api places it.
/// The organization comes from an <c>X-Tenant</c> header (standing in for authentication + tenant
/// resolution); plans from <see cref="Plans"/>. Each app has its own key prefix, so apps sharing the
/// test Redis never see each other's counters.
/// </summary>
internal sealed class RateLimitedApp : IAsyncDisposable
{
    public const string TenantHeader = "X-Tenant";

    private readonly WebApplication _app;
    private readonly ConcurrentBag<HttpClient> _clients = [];

    private RateLimitedApp(WebApplication app, Uri address, string keyPrefix, CapturingLoggerProvider logs)
    {
        _app = app;
        Address = address;
        KeyPrefix = keyPrefix;
        Logs = logs;
    }

    public Uri Address { get; }

    public string KeyPrefix { get; }

    /// <summary>Organization id → plan; organizations not listed are on "free".</summary>
    public ConcurrentDictionary<Guid, string> Plans => ((DictionaryPlanSource)_app.Services.GetRequiredService<IOrganizationPlanSource>()).Plans;

    public ConcurrentQueue<RateLimitRejection> Rejections => ((RecordingObserver)_app.Services.GetRequiredService<IRateLimitRejectionObserver>()).Rejections;

    public CapturingLoggerProvider Logs { get; }

    public static async Task<RateLimitedApp> StartAsync(string redisConnectionString, Action<RateLimitOptions> configure)
    {
        var keyPrefix = $"ratelimit-test-{Guid.NewGuid():N}";
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var logs = new CapturingLoggerProvider();
        builder.Logging.AddProvider(logs);

        builder.Services.AddProblemDetails();
        builder.Services.AddScoped<TenantContext>();
        builder.Services.AddRedisClient(redisConnectionString, redis =>
        {
            // Fast reconnects, so a restarted server is found again quickly.
            redis.ReconnectMinDelay = TimeSpan.FromMilliseconds(50);
            redis.ReconnectMaxDelay = TimeSpan.FromMilliseconds(500);
        });
        builder.Services.AddSingleton<IOrganizationPlanSource, DictionaryPlanSource>();
        builder.Services.AddSingleton<IRateLimitRejectionObserver, RecordingObserver>();
        builder.AddTenantRateLimiting();
        builder.Services.Configure<RateLimitOptions>(options =>
        {
            options.KeyPrefix = keyPrefix;

            // Generous, so a busy test machine never hands a request to the in-memory fallback by accident;
            // the outage tests set the production-like short timeout themselves.
            options.RedisTimeout = TimeSpan.FromSeconds(5);
            configure(options);
        });

        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            if (Guid.TryParse(context.Request.Headers[TenantHeader], out var tenantId))
            {
                context.RequestServices.GetRequiredService<TenantContext>().Set(tenantId, null);
            }

            await next(context);
        });
        app.UseTenantRateLimiting();

        app.MapGet("/api/things", () => "things");
        app.MapPost("/api/auth/login", () => "signed in").WithRateLimitPolicy(RateLimitOptions.AuthPolicy);
        app.MapGet("/api/unlimited", () => "unlimited").DisableRateLimiting();
        app.MapGet("/health", () => "Healthy");
        app.MapGet("/alive", () => "Healthy");

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new RateLimitedApp(app, new Uri(address), keyPrefix, logs);
    }

    /// <summary>A client whose connections come from <paramref name="localAddress"/> (any 127.x.y.z works on Linux loopback).</summary>
    public HttpClient Client(string localAddress = "127.0.0.1")
    {
        var local = IPAddress.Parse(localAddress);
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 100,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(local, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var client = new HttpClient(handler) { BaseAddress = Address };
        _clients.Add(client);
        return client;
    }

    public static HttpRequestMessage Get(string path, Guid? tenant = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (tenant is { } id)
        {
            request.Headers.Add(TenantHeader, id.ToString());
        }

        return request;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class DictionaryPlanSource : IOrganizationPlanSource
    {
        public ConcurrentDictionary<Guid, string> Plans { get; } = new();

        public ValueTask<string> GetPlanAsync(Guid organizationId, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Plans.TryGetValue(organizationId, out var plan) ? plan : "free");
    }

    private sealed class RecordingObserver : IRateLimitRejectionObserver
    {
        public ConcurrentQueue<RateLimitRejection> Rejections { get; } = new();

        public ValueTask OnRejectedAsync(HttpContext context, RateLimitRejection rejection)
        {
            Rejections.Enqueue(rejection);
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>Keeps every log entry's event id and level, to count warnings.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(string Category, EventId EventId, LogLevel Level)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Record(string category, EventId eventId, LogLevel level) => Entries.Enqueue((category, eventId, level));

    private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            provider.Record(category, eventId, logLevel);
    }
}
