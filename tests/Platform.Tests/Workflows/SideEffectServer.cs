using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Platform.Tests.Workflows;

/// <summary>
/// A real HTTP server on 127.0.0.1 standing in for the systems workflows call: it counts requests per path and keeps
/// the idempotency keys they carried. <c>/slow/*</c> answers after <see cref="SlowFor"/>; <c>/fail/*</c> answers 500
/// while <see cref="Failing"/> holds; <c>/status/{code}</c> answers that code; <c>/redirect/x</c> redirects to <c>/landing/x</c>.
/// </summary>
internal sealed class SideEffectServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Path, string? Key, string Body)> _requests = new();

    private SideEffectServer(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;

    public TimeSpan SlowFor { get; set; } = TimeSpan.FromSeconds(3);

    public bool Failing { get; set; } = true;

    /// <summary>Raised when a request arrives, before it is answered.</summary>
    public event Action<string>? Arrived;

    public static async Task<SideEffectServer> StartAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new SideEffectServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        server.Endpoint = new Uri(address.TrimEnd('/') + "/");
        return server;
    }

    public int Count(string path) => _counts.GetValueOrDefault(path);

    public IReadOnlyList<string?> KeysFor(string path) => _requests.Where(r => r.Path == path).Select(r => r.Key).ToList();

    public IReadOnlyList<string> BodiesFor(string path) => _requests.Where(r => r.Path == path).Select(r => r.Body).ToList();

    public string Url(string path) => new Uri(Endpoint, path.TrimStart('/')).ToString();

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        _counts.AddOrUpdate(path, 1, (_, n) => n + 1);
        _requests.Enqueue((path, context.Request.Headers["Idempotency-Key"].FirstOrDefault(), body));
        Arrived?.Invoke(path);
        if (path.StartsWith("/slow/", StringComparison.Ordinal))
        {
            await Task.Delay(SlowFor);
        }

        if (path.StartsWith("/fail/", StringComparison.Ordinal) && Failing)
        {
            context.Response.StatusCode = 500;
            return;
        }

        if (path.StartsWith("/redirect/", StringComparison.Ordinal))
        {
            context.Response.StatusCode = 302;
            context.Response.Headers.Location = "/landing" + path["/redirect".Length..];
            return;
        }

        if (path.StartsWith("/status/", StringComparison.Ordinal))
        {
            context.Response.StatusCode = int.Parse(path["/status/".Length..], System.Globalization.CultureInfo.InvariantCulture);
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync($$"""{"path":"{{path}}","status":"ok","amount":150}""");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
