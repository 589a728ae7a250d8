using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TestKit;

/// <summary>
/// A Kestrel server on 127.0.0.1 over HTTPS, with a certificate made for it, and client handlers that trust exactly
/// that certificate: how tests stand in for cloud services (Key Vault, Service Bus) behind their real client code.
/// </summary>
public sealed class LoopbackHttpsServer : IAsyncDisposable
{
    private readonly List<HttpMessageHandler> _handlers = [];
    private readonly X509Certificate2 _certificate;
    private readonly WebApplication _app;

    private LoopbackHttpsServer(X509Certificate2 certificate, WebApplication app, Uri endpoint)
    {
        _certificate = certificate;
        _app = app;
        Endpoint = endpoint;
    }

    /// <summary>The server's base address, ending in a slash.</summary>
    public Uri Endpoint { get; }

    /// <summary>Starts a server answering every request with <paramref name="handler"/>.</summary>
    public static async Task<LoopbackHttpsServer> StartAsync(string name, RequestDelegate handler)
    {
        var certificate = CreateCertificate(name);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new LoopbackHttpsServer(certificate, app, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>A handler that trusts exactly this server's certificate; disposed with the server.</summary>
    public HttpMessageHandler CreateHandler()
    {
        var thumbprint = _certificate.GetCertHashString(HashAlgorithmName.SHA256);
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
                certificate is not null && string.Equals(certificate.GetCertHashString(HashAlgorithmName.SHA256), thumbprint, StringComparison.Ordinal),
        };
        lock (_handlers)
        {
            _handlers.Add(handler);
        }

        return handler;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        lock (_handlers)
        {
            _handlers.ForEach(handler => handler.Dispose());
        }

        _certificate.Dispose();
    }

    private static X509Certificate2 CreateCertificate(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        using var created = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        // Reloaded from PKCS#12 so Kestrel gets a certificate with a usable private key on every platform.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), password: null);
    }
}
