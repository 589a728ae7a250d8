extern alias inference;

using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using TestKit;

namespace Api.Tests;

/// <summary>
/// The real AiInference in memory beside an <see cref="ApiFactory"/>, over the same database and with the
/// same service-token settings, started only when the Api first calls it. The Api's InferenceClient reaches it
/// through <see cref="Handler"/>, in place of the network.
/// </summary>
public sealed class InferenceServer(string connectionString, IReadOnlyDictionary<string, string?> serviceTokenSettings) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Factory? _factory;
    private HttpMessageInvoker? _invoker;

    /// <summary>A handler for the Api's HttpClient that starts the server on first use.</summary>
    public HttpMessageHandler Handler => new ForwardingHandler(this);

    public async ValueTask DisposeAsync()
    {
        _invoker?.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        _gate.Dispose();
    }

    private async Task<HttpMessageInvoker> InvokerAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_invoker is null)
            {
                var settings = new Dictionary<string, string?>(serviceTokenSettings)
                {
                    ["ConnectionStrings:platformdb"] = connectionString,
                    ["OnnxRuntime:LibraryPath"] = await TestOnnxRuntime.LibraryPathAsync(),
                    ["ModelServing:SeedSampleModels"] = "false",
                };
                _factory = new Factory(settings);
                _invoker = new HttpMessageInvoker(_factory.Server.CreateHandler());
                // Ready once the active models are loaded.
                for (var i = 0; i < 300; i++)
                {
                    using var ready = await _invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://localhost/v2/health/ready"), CancellationToken.None);
                    if (ready.IsSuccessStatusCode)
                    {
                        break;
                    }

                    await Task.Delay(50);
                }
            }

            return _invoker;
        }
        finally
        {
            _gate.Release();
        }
    }

    private sealed class ForwardingHandler(InferenceServer server) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            await (await server.InvokerAsync()).SendAsync(request, cancellationToken);
    }

    private sealed class Factory(Dictionary<string, string?> settings) : WebApplicationFactory<inference::Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Development");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}
