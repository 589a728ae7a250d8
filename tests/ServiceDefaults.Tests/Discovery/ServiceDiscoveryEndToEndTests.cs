using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ServiceDefaults.Tests.Discovery;

[TestClass]
public sealed class ServiceDiscoveryEndToEndTests
{
    [TestMethod]
    public async Task A_default_client_reaches_a_service_by_its_logical_name()
    {
        await using var backend = await LoopbackServer.StartAsync(routes => routes.MapGet("/ping", () => "pong from backend"));
        using var host = ServiceHosts.Build(new Dictionary<string, string?> { ["services:backend:http:0"] = backend.Address.ToString() });
        using var client = host.DefaultClient();

        using var response = await client.GetAsync(new Uri("http://backend/ping"));

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.AreEqual("pong from backend", await response.Content.ReadAsStringAsync());
        Assert.AreEqual(1, backend.RequestCount);
    }

    [TestMethod]
    public async Task A_combined_scheme_reaches_the_http_endpoint_when_only_http_is_configured()
    {
        await using var backend = await LoopbackServer.StartAsync(routes => routes.MapGet("/ping", (HttpRequest request) => $"{request.Scheme} {request.Path}"));
        using var host = ServiceHosts.Build(new Dictionary<string, string?> { ["services:backend:http:0"] = backend.Address.ToString() });
        using var client = host.DefaultClient();

        var body = await client.GetStringAsync(new Uri("https+http://backend/ping"));

        Assert.AreEqual("http /ping", body);
    }
}
