using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ServiceDefaults.Tests.Health;

[TestClass]
public sealed class HealthEndpointsTests
{
    [TestMethod]
    public async Task Health_answers_503_listing_every_check_when_one_fails()
    {
        await using var service = await StartServiceWithFailingDatabaseCheckAsync();
        using var client = new HttpClient { BaseAddress = service.Address };

        using var response = await client.GetAsync(new Uri("/health", UriKind.Relative));
        using var body = await ReadBodyAsync(response);

        Assert.AreEqual(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.AreEqual("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.AreEqual("Unhealthy", body.RootElement.GetProperty("status").GetString());
        CollectionAssert.AreEqual(
            new[] { ("database", "Unhealthy", "database unreachable"), ("self", "Healthy", "the process answers") },
            Checks(body));
    }

    [TestMethod]
    public async Task Alive_answers_200_listing_only_self()
    {
        await using var service = await StartServiceWithFailingDatabaseCheckAsync();
        using var client = new HttpClient { BaseAddress = service.Address };

        using var response = await client.GetAsync(new Uri("/alive", UriKind.Relative));
        using var body = await ReadBodyAsync(response);

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.AreEqual("Healthy", body.RootElement.GetProperty("status").GetString());
        CollectionAssert.AreEqual(new[] { ("self", "Healthy", "the process answers") }, Checks(body));
    }

    private static async Task<JsonDocument> ReadBodyAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync());

    /// <summary>(name, status, description) of each check in the body, as a caller reads them, by name.</summary>
    private static List<(string?, string?, string?)> Checks(JsonDocument body) =>
        body.RootElement.GetProperty("checks").EnumerateArray()
            .Select(c => (c.GetProperty("name").GetString(), c.GetProperty("status").GetString(), c.GetProperty("description").GetString()))
            .OrderBy(c => c.Item1, StringComparer.Ordinal)
            .ToList();

    private static async Task<RunningService> StartServiceWithFailingDatabaseCheckAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddServiceDefaults();
        builder.Services.AddHealthChecks().AddCheck("database", () => HealthCheckResult.Unhealthy("database unreachable"));
        var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync();
        return new RunningService(app, LoopbackServer.BoundAddress(app));
    }

    private sealed record RunningService(WebApplication App, Uri Address) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }
}
