using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Api.Extensions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Api.Tests.Security;

/// <summary>The Api's forwarded-address rules, over real sockets: who may say whose request it is.</summary>
[TestClass]
public sealed class ClientAddressTests
{
    [TestMethod]
    public async Task The_front_end_next_door_passes_the_browsers_address_and_an_untrusted_caller_cannot_claim_one()
    {
        var external = NonLoopbackAddress();
        await using var app = Build(new Dictionary<string, string?>());
        app.Urls.Add("http://127.0.0.1:0");
        app.Urls.Add($"http://{external}:0");
        await app.StartAsync();
        var urls = app.Urls.ToArray();
        using var client = new HttpClient();

        var throughLoopback = await AddressSeenAsync(client, urls.Single(u => u.Contains("127.0.0.1", StringComparison.Ordinal)), "203.0.113.7");
        var fromOutside = await AddressSeenAsync(client, urls.Single(u => u.Contains(external.ToString(), StringComparison.Ordinal)), "203.0.113.7");

        Assert.AreEqual("203.0.113.7", throughLoopback, "a proxy on this host (the Web front end) is trusted by default");
        Assert.AreEqual(external.ToString(), fromOutside, "a caller that is no known proxy keeps its own address, whatever header it sends");
    }

    [TestMethod]
    public async Task A_configured_proxy_network_is_trusted()
    {
        var external = NonLoopbackAddress();
        await using var app = Build(new Dictionary<string, string?> { ["ForwardedHeaders:KnownNetworks:0"] = $"{external}/32" });
        app.Urls.Add($"http://{external}:0");
        await app.StartAsync();
        using var client = new HttpClient();

        Assert.AreEqual("198.51.100.4", await AddressSeenAsync(client, app.Urls.Single(), "198.51.100.4"));
    }

    [TestMethod]
    [DataRow("KnownProxies", "not-an-address", "not an IP address")]
    [DataRow("KnownNetworks", "10.0.0.0/99", "not a network in CIDR form")]
    public async Task A_malformed_proxy_setting_stops_the_start_with_a_message_naming_it(string key, string value, string message)
    {
        await using var app = Build(new Dictionary<string, string?> { [$"ForwardedHeaders:{key}:0"] = value });

        var error = Assert.ThrowsExactly<InvalidOperationException>(() => app.Services.GetRequiredService<IOptions<ForwardedHeadersOptions>>().Value);

        StringAssert.Contains(error.Message, $"ForwardedHeaders:{key} has '{value}'");
        StringAssert.Contains(error.Message, message);
    }

    private static WebApplication Build(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel();
        foreach (var (key, value) in settings)
        {
            builder.Configuration[key] = value;
        }

        builder.AddClientAddresses();
        var app = builder.Build();
        app.UseForwardedHeaders();
        app.MapGet("/", (HttpContext context) => context.Connection.RemoteIpAddress!.ToString());
        return app;
    }

    private static async Task<string> AddressSeenAsync(HttpClient client, string url, string forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>An address of this machine that is not loopback: a caller from there is no proxy the Api knows.</summary>
    private static IPAddress NonLoopbackAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
        ?? throw new InvalidOperationException("These tests need a non-loopback IPv4 address on this machine (an untrusted caller).");
}
