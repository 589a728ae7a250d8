using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TestKit;

/// <summary>One request the receiver got: path, headers (lower-case names) and the exact body bytes.</summary>
public sealed record ReceivedRequest(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body);

/// <summary>A real HTTP server on 127.0.0.1 standing in for a customer's webhook receiver; each test says how it answers.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebhookReceiver(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    /// <summary>How the receiver answers (after recording the request); 200 "ok" by default.</summary>
    public Func<HttpContext, Task> Respond { get; set; } = context => context.Response.WriteAsync("ok");

    public string Url(string path) => new Uri(BaseAddress, path).AbsoluteUri;

    public IReadOnlyList<ReceivedRequest> At(string path) => Requests.Where(r => r.Path == path).ToList();

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        WebhookReceiver? receiver = null;
        app.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
            receiver!.Requests.Enqueue(new ReceivedRequest(context.Request.Path, headers, body.ToArray()));
            await receiver.Respond(context);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver = new WebhookReceiver(app, new Uri(address));
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
