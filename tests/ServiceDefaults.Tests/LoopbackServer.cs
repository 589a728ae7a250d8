using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ServiceDefaults.Tests;

/// <summary>
/// A real Kestrel server on 127.0.0.1 with a port the OS picks, standing in for another service
/// (or an OTLP collector). It counts the requests it receives.
/// </summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private WebApplication? _app;
    private int _requestCount;

    /// <summary>The bound address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Address { get; private set; } = null!;

    public int RequestCount => Volatile.Read(ref _requestCount);

    public static async Task<LoopbackServer> StartAsync(Action<IEndpointRouteBuilder> mapRoutes)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new LoopbackServer { _app = app };
        app.Use(next => context =>
        {
            Interlocked.Increment(ref server._requestCount);
            return next(context);
        });
        mapRoutes(app);
        await app.StartAsync();
        server.Address = BoundAddress(app);
        return server;
    }

    /// <summary>The address Kestrel actually bound, read from the server's features.</summary>
    public static Uri BoundAddress(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        return new Uri(addresses.Single());
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
