using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AppHost.Hosting.Provisioning;
using Platform.Caching;
using TestKit;

namespace Platform.Tests.Caching;

/// <summary>
/// TLS as Azure Cache for Redis uses it, against a redis-server of its own with a throw-away CA. The plain
/// port stays open only because the provisioning layer's readiness probe speaks plain TCP.
/// </summary>
[TestClass]
public sealed class RedisTlsTests
{
    private static X509Certificate2 _authority = null!;
    private static RedisServer _server = null!;
    private static int _tlsPort;

    [ClassInitialize]
    public static async Task StartAsync(TestContext context)
    {
        var folder = Path.Combine(TestEnvironment.Root, $"redis-tls-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        _authority = CreateAuthority();
        using var serverCertificate = CreateServerCertificate(_authority, out var serverKey);
        using (serverKey)
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "ca.crt"), _authority.ExportCertificatePem());
            await File.WriteAllTextAsync(Path.Combine(folder, "server.crt"), serverCertificate.ExportCertificatePem());
            await File.WriteAllTextAsync(Path.Combine(folder, "server.key"), serverKey.ExportPkcs8PrivateKeyPem());
        }

        _tlsPort = PortGuard.GetFreePort();
        _server = await RedisTestServers.StartPrivateAsync("redis-tls", dataDirectory: folder, extraConfiguration:
        [
            $"tls-port {_tlsPort}",
            $"tls-cert-file \"{Path.Combine(folder, "server.crt")}\"",
            $"tls-key-file \"{Path.Combine(folder, "server.key")}\"",
            $"tls-ca-cert-file \"{Path.Combine(folder, "ca.crt")}\"",
            "tls-auth-clients no",
        ]);
    }

    [ClassCleanup]
    public static async Task StopAsync()
    {
        await _server.DisposeAsync();
        _authority.Dispose();
    }

    [TestMethod]
    public async Task Client_connects_over_tls_when_it_trusts_the_server_certificate_authority()
    {
        var options = TlsOptions().TrustCertificateAuthority(_authority);
        await using var client = await RedisClient.ConnectAsync(options);

        await client.SetAsync("tls:key", "secret over tls");

        Assert.AreEqual("secret over tls", await client.GetStringAsync("tls:key"));
        Assert.AreEqual(6380, RedisConnectionOptions.Parse("host,ssl=true").EffectivePort);
    }

    [TestMethod]
    public async Task Client_refuses_a_server_certificate_it_does_not_trust()
    {
        var options = TlsOptions();

        var error = await Assert.ThrowsExactlyAsync<RedisAuthenticationException>(() => RedisClient.ConnectAsync(options));

        StringAssert.Contains(error.Message, "TLS");
        StringAssert.Contains(error.Message, $"127.0.0.1:{_tlsPort}");
    }

    [TestMethod]
    public async Task Client_refuses_a_certificate_issued_for_another_host_name()
    {
        var options = TlsOptions().TrustCertificateAuthority(_authority);
        options.SslHost = "someone-else.example";

        var error = await Assert.ThrowsExactlyAsync<RedisAuthenticationException>(() => RedisClient.ConnectAsync(options));

        StringAssert.Contains(error.Message, "someone-else.example");
    }

    private static RedisConnectionOptions TlsOptions()
    {
        var options = RedisConnectionOptions.Parse($"127.0.0.1:{_tlsPort},ssl=true,sslHost=localhost,password={_server.Options.Password}");
        options.CommandTimeout = TimeSpan.FromSeconds(2);
        return options;
    }

    private static X509Certificate2 CreateAuthority()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=Platform test Redis CA", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static X509Certificate2 CreateServerCertificate(X509Certificate2 authority, out RSA key)
    {
        key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        return request.Create(authority, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(23), RandomNumberGenerator.GetBytes(8));
    }
}
