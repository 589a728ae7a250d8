using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Polly.CircuitBreaker;

namespace ServiceDefaults.Tests.Resilience;

[TestClass]
public sealed class HttpResilienceTests
{
    private static readonly Uri Flaky = new("http://backend/flaky");

    [TestMethod]
    public async Task A_get_is_retried_until_the_service_recovers()
    {
        await using var backend = await StartFlakyBackendAsync(failuresBeforeSuccess: 2);
        using var host = ServiceHostFor(backend);
        using var client = host.DefaultClient();

        using var response = await client.GetAsync(Flaky);

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.AreEqual("recovered", await response.Content.ReadAsStringAsync());
        Assert.AreEqual(3, backend.RequestCount);
    }

    [TestMethod]
    public async Task A_post_is_not_retried()
    {
        await using var backend = await StartFlakyBackendAsync(failuresBeforeSuccess: 2);
        using var host = ServiceHostFor(backend);
        using var client = host.DefaultClient();

        using var response = await client.PostAsync(Flaky, new StringContent("{\"amount\":10}"));

        Assert.AreEqual(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.AreEqual(1, backend.RequestCount);
    }

    [TestMethod]
    public async Task A_not_found_is_not_retried()
    {
        await using var backend = await LoopbackServer.StartAsync(_ => { });
        using var host = ServiceHostFor(backend);
        using var client = host.DefaultClient();

        using var response = await client.GetAsync(new Uri("http://backend/missing"));

        Assert.AreEqual(HttpStatusCode.NotFound, response.StatusCode);
        Assert.AreEqual(1, backend.RequestCount);
    }

    [TestMethod]
    public async Task An_open_circuit_fails_calls_without_reaching_the_service()
    {
        await using var backend = await StartFlakyBackendAsync(failuresBeforeSuccess: int.MaxValue);
        using var host = ServiceHostFor(backend, ("HttpResilience:MinimumThroughput", "2"));
        using var client = host.DefaultClient();
        // Two failed attempts (MinimumThroughput, all failures) open the circuit during the first call's retries.
        await Assert.ThrowsExactlyAsync<BrokenCircuitException>(() => client.GetAsync(Flaky));
        var seenWhenOpened = backend.RequestCount;

        await Assert.ThrowsExactlyAsync<BrokenCircuitException>(() => client.GetAsync(Flaky));

        Assert.AreEqual(2, seenWhenOpened);
        Assert.AreEqual(seenWhenOpened, backend.RequestCount);
    }

    [TestMethod]
    public async Task A_post_is_not_sent_while_the_circuit_is_open()
    {
        await using var backend = await StartFlakyBackendAsync(failuresBeforeSuccess: int.MaxValue);
        using var host = ServiceHostFor(backend, ("HttpResilience:MinimumThroughput", "2"));
        using var client = host.DefaultClient();
        await Assert.ThrowsExactlyAsync<BrokenCircuitException>(() => client.GetAsync(Flaky));
        var seenWhenOpened = backend.RequestCount;

        await Assert.ThrowsExactlyAsync<BrokenCircuitException>(() => client.PostAsync(Flaky, new StringContent("{\"amount\":10}")));

        Assert.AreEqual(seenWhenOpened, backend.RequestCount, "the POST never reached the failing service");
    }

    [TestMethod]
    public async Task A_retry_goes_to_the_next_replica()
    {
        await using var failing = await StartFlakyBackendAsync(failuresBeforeSuccess: int.MaxValue);
        await using var healthy = await StartFlakyBackendAsync(failuresBeforeSuccess: 0);
        using var host = ServiceHosts.Build(new Dictionary<string, string?>
        {
            ["services:backend:http:0"] = failing.Address.ToString(),
            ["services:backend:http:1"] = healthy.Address.ToString(),
            ["HttpResilience:RetryDelay"] = "00:00:00.010",
        });
        using var client = host.DefaultClient();

        using var response = await client.GetAsync(Flaky);

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.AreEqual(1, failing.RequestCount);
        Assert.AreEqual(1, healthy.RequestCount);
    }

    /// <summary>Answers 503 to the first <paramref name="failuresBeforeSuccess"/> requests, then 200.</summary>
    private static Task<LoopbackServer> StartFlakyBackendAsync(int failuresBeforeSuccess)
    {
        var calls = 0;
        return LoopbackServer.StartAsync(routes => routes.Map("/flaky", () =>
            Interlocked.Increment(ref calls) <= failuresBeforeSuccess
                ? Results.StatusCode(StatusCodes.Status503ServiceUnavailable)
                : Results.Text("recovered")));
    }

    private static IHost ServiceHostFor(LoopbackServer backend, params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["services:backend:http:0"] = backend.Address.ToString(),
            ["HttpResilience:RetryDelay"] = "00:00:00.010",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return ServiceHosts.Build(settings);
    }
}
