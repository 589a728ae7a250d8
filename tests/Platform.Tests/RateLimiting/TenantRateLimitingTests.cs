using System.Globalization;
using System.Net;
using System.Text.Json;
using Platform.RateLimiting;
using TestKit;

namespace Platform.Tests.RateLimiting;

/// <summary>The limiter in a real pipeline against the shared test Redis, seen as a client sees it.</summary>
[TestClass]
public sealed class TenantRateLimitingTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [TestMethod]
    public async Task Spent_budget_answers_429_with_retry_after_headers_and_a_problem()
    {
        await using var app = await StartAsync(o => o.Plans["free"] = Policy(3, Minute));
        var client = app.Client();
        var organization = Guid.NewGuid();
        for (var i = 0; i < 3; i++)
        {
            Assert.AreEqual(HttpStatusCode.OK, (await client.SendAsync(RateLimitedApp.Get("/api/things", organization))).StatusCode);
        }

        using var rejected = await client.SendAsync(RateLimitedApp.Get("/api/things", organization));

        Assert.AreEqual(HttpStatusCode.TooManyRequests, rejected.StatusCode);
        var retryAfter = long.Parse(Header(rejected, "Retry-After"), CultureInfo.InvariantCulture);
        Assert.IsTrue(retryAfter is >= 1 and <= 60, $"Retry-After {retryAfter}");
        Assert.AreEqual("3", Header(rejected, "RateLimit-Limit"));
        Assert.AreEqual("0", Header(rejected, "RateLimit-Remaining"));
        Assert.AreEqual("3;w=60", Header(rejected, "RateLimit-Policy"));
        Assert.AreEqual("application/problem+json", rejected.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await rejected.Content.ReadAsStringAsync());
        Assert.AreEqual("https://errors.platform.local/rate_limited", problem.RootElement.GetProperty("type").GetString());
        Assert.AreEqual("rate_limited", problem.RootElement.GetProperty("code").GetString());
        Assert.AreEqual(429, problem.RootElement.GetProperty("status").GetInt32());
        Assert.IsFalse(string.IsNullOrEmpty(problem.RootElement.GetProperty("title").GetString()));
        StringAssert.Contains(problem.RootElement.GetProperty("detail").GetString(), $"retry in {retryAfter} s");

        var rejection = app.Rejections.Single();
        Assert.AreEqual(RateLimitSubjectKind.Organization, rejection.SubjectKind);
        Assert.AreEqual(organization, rejection.TenantId);
        Assert.AreEqual(RateLimitStore.Redis, rejection.Store);
    }

    [TestMethod]
    public async Task Allowed_responses_count_the_remaining_budget_down()
    {
        await using var app = await StartAsync(o => o.Plans["free"] = Policy(5, Minute));
        var client = app.Client();
        var organization = Guid.NewGuid();

        var remaining = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await client.SendAsync(RateLimitedApp.Get("/api/things", organization));
            Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
            Assert.AreEqual("5", Header(response, "RateLimit-Limit"));
            Assert.AreEqual("5;w=60", Header(response, "RateLimit-Policy"));
            var reset = long.Parse(Header(response, "RateLimit-Reset"), CultureInfo.InvariantCulture);
            Assert.IsTrue(reset is >= 1 and <= 60, $"RateLimit-Reset {reset}");
            remaining.Add(Header(response, "RateLimit-Remaining"));
        }

        CollectionAssert.AreEqual(new[] { "4", "3", "2", "1", "0" }, remaining);
    }

    [TestMethod]
    public async Task Organizations_have_independent_budgets()
    {
        await using var app = await StartAsync(o => o.Plans["free"] = Policy(2, Minute));
        var client = app.Client();
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());
        await SendAsync(client, 2, "/api/things", first);

        var firstAgain = await client.SendAsync(RateLimitedApp.Get("/api/things", first));
        var secondFirst = await client.SendAsync(RateLimitedApp.Get("/api/things", second));

        Assert.AreEqual(HttpStatusCode.TooManyRequests, firstAgain.StatusCode);
        Assert.AreEqual(HttpStatusCode.OK, secondFirst.StatusCode);
        Assert.AreEqual("1", Header(secondFirst, "RateLimit-Remaining"));
    }

    [TestMethod]
    public async Task A_plan_with_a_higher_limit_allows_more_requests()
    {
        await using var app = await StartAsync(o =>
        {
            o.Plans["free"] = Policy(2, Minute);
            o.Plans["pro"] = Policy(5, Minute);
        });
        var client = app.Client();
        var (free, pro) = (Guid.NewGuid(), Guid.NewGuid());
        app.Plans[pro] = "pro";

        var freeStatuses = await SendAsync(client, 6, "/api/things", free);
        var proStatuses = await SendAsync(client, 6, "/api/things", pro);

        Assert.AreEqual(2, freeStatuses.Count(s => s == HttpStatusCode.OK));
        Assert.AreEqual(5, proStatuses.Count(s => s == HttpStatusCode.OK));
        Assert.AreEqual(HttpStatusCode.TooManyRequests, proStatuses[^1]);
    }

    [TestMethod]
    public async Task Anonymous_requests_are_limited_per_client_address()
    {
        await using var app = await StartAsync(o => o.Anonymous = Policy(3, Minute));
        var first = app.Client("127.0.0.1");
        var second = app.Client("127.0.0.2");

        var firstStatuses = await SendAsync(first, 4, "/api/things");
        using var secondResponse = await second.SendAsync(RateLimitedApp.Get("/api/things"));

        CollectionAssert.AreEqual(new[] { HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests }, firstStatuses);
        Assert.AreEqual(HttpStatusCode.OK, secondResponse.StatusCode);
        Assert.AreEqual("2", Header(secondResponse, "RateLimit-Remaining"));
        Assert.AreEqual(RateLimitSubjectKind.ClientAddress, app.Rejections.Single().SubjectKind);
        Assert.AreEqual("127.0.0.1", app.Rejections.Single().Subject);
    }

    [TestMethod]
    public async Task The_stricter_auth_policy_applies_to_endpoints_that_carry_it()
    {
        await using var app = await StartAsync(o =>
        {
            o.Anonymous = Policy(10, Minute);
            o.Policies[RateLimitOptions.AuthPolicy] = Policy(2, Minute);
        });
        var client = app.Client();

        var logins = new List<HttpResponseMessage>();
        for (var i = 0; i < 3; i++)
        {
            logins.Add(await client.PostAsync("/api/auth/login", null));
        }

        using var other = await client.SendAsync(RateLimitedApp.Get("/api/things"));

        CollectionAssert.AreEqual(new[] { HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests }, logins.Select(r => r.StatusCode).ToArray());
        Assert.AreEqual("2;w=60", Header(logins[2], "RateLimit-Policy"));
        Assert.AreEqual("auth", app.Rejections.Single().Policy);
        Assert.AreEqual(HttpStatusCode.OK, other.StatusCode, "the ordinary anonymous budget is separate");
        Assert.AreEqual("9", Header(other, "RateLimit-Remaining"));
    }

    [TestMethod]
    public async Task The_budget_is_whole_again_after_the_reported_reset()
    {
        await using var app = await StartAsync(o => o.Plans["free"] = Policy(3, TimeSpan.FromSeconds(2)));
        var client = app.Client();
        var organization = Guid.NewGuid();
        await SendAsync(client, 3, "/api/things", organization);
        using var rejected = await client.SendAsync(RateLimitedApp.Get("/api/things", organization));
        Assert.AreEqual(HttpStatusCode.TooManyRequests, rejected.StatusCode);
        var reset = long.Parse(Header(rejected, "RateLimit-Reset"), CultureInfo.InvariantCulture);
        Assert.IsTrue(reset is >= 1 and <= 2, $"RateLimit-Reset {reset}");

        await Task.Delay(TimeSpan.FromSeconds(reset));
        using var afterReset = await client.SendAsync(RateLimitedApp.Get("/api/things", organization));

        Assert.AreEqual(HttpStatusCode.OK, afterReset.StatusCode);
        Assert.AreEqual("2", Header(afterReset, "RateLimit-Remaining"), "the whole budget came back, not one request's worth");
    }

    [TestMethod]
    public async Task Parallel_requests_against_a_limit_allow_exactly_the_limit()
    {
        // A long window: the budget refills one request per minute, never during the burst.
        await using var app = await StartAsync(o => o.Plans["free"] = Policy(10, TimeSpan.FromMinutes(10)));
        var client = app.Client();
        var organization = Guid.NewGuid();

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => client.SendAsync(RateLimitedApp.Get("/api/things", organization))));

        Assert.IsFalse(app.Logs.Entries.Any(e => e.EventId.Id == 1501), "Redis decided every request");
        Assert.AreEqual(10, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.AreEqual(40, responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
        CollectionAssert.AreEquivalent(
            Enumerable.Range(0, 10).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray(),
            responses.Where(r => r.StatusCode == HttpStatusCode.OK).Select(r => Header(r, "RateLimit-Remaining")).ToArray(),
            "each allowed request saw its own count");
    }

    [TestMethod]
    public async Task Health_paths_and_opted_out_endpoints_are_never_limited()
    {
        await using var app = await StartAsync(o => o.Anonymous = Policy(1, Minute));
        var client = app.Client();

        var probes = new List<HttpResponseMessage>();
        for (var i = 0; i < 5; i++)
        {
            probes.Add(await client.SendAsync(RateLimitedApp.Get("/health")));
            probes.Add(await client.SendAsync(RateLimitedApp.Get("/alive")));
            probes.Add(await client.SendAsync(RateLimitedApp.Get("/api/unlimited")));
        }

        using var counted = await client.SendAsync(RateLimitedApp.Get("/api/things"));

        Assert.IsTrue(probes.All(p => p.StatusCode == HttpStatusCode.OK));
        Assert.IsTrue(probes.All(p => !p.Headers.Contains("RateLimit-Limit")), "exempt responses carry no rate-limit headers");
        Assert.AreEqual(HttpStatusCode.OK, counted.StatusCode, "the probes did not spend the budget");
        Assert.AreEqual("0", Header(counted, "RateLimit-Remaining"));
    }

    [TestMethod]
    public async Task Disabled_limiting_counts_nothing_and_adds_no_headers()
    {
        await using var app = await StartAsync(o =>
        {
            o.Enabled = false;
            o.Anonymous = Policy(1, Minute);
        });
        var client = app.Client();

        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 3; i++)
        {
            responses.Add(await client.SendAsync(RateLimitedApp.Get("/api/things")));
        }

        Assert.IsTrue(responses.All(r => r.StatusCode == HttpStatusCode.OK && !r.Headers.Contains("RateLimit-Limit")));
    }

    internal static RateLimitPolicy Policy(int limit, TimeSpan window) => new() { Limit = limit, Window = window };

    internal static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.Single() : throw new AssertFailedException($"The response ({(int)response.StatusCode}) has no {name} header.");

    internal static async Task<List<HttpStatusCode>> SendAsync(HttpClient client, int count, string path, Guid? tenant = null)
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < count; i++)
        {
            using var response = await client.SendAsync(RateLimitedApp.Get(path, tenant));
            statuses.Add(response.StatusCode);
        }

        return statuses;
    }

    private static async Task<RateLimitedApp> StartAsync(Action<RateLimitOptions> configure) =>
        await RateLimitedApp.StartAsync((await TestEnvironment.RedisAsync()).ConnectionString, configure);
}
