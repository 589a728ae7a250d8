using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace Api.Tests.Access;

[TestClass]
public sealed class RateLimitingTests
{
    private static ApiFactory _api = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context) => _api = await ApiFactory.CreateAsync("rate_limits", new Dictionary<string, string?>
    {
        ["RateLimiting:Policies:auth:Limit"] = "3",
        ["RateLimiting:Policies:auth:Window"] = "00:01:00",
    });

    [ClassCleanup]
    public static async Task Stop() => await _api.DisposeAsync();

    [TestMethod]
    public async Task Sign_in_attempts_from_one_address_are_limited_with_standard_headers_and_recorded()
    {
        using var client = _api.CreateClient();
        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 4; i++)
        {
            responses.Add(await client.PostAsJsonAsync("/api/v1/auth/login", new { email = "someone@limits.test", password = "guess number " + i }));
        }

        Assert.AreEqual(HttpStatusCode.Unauthorized, responses[0].StatusCode);
        Assert.AreEqual("3", responses[0].Headers.GetValues("RateLimit-Limit").Single());
        Assert.AreEqual("2", responses[0].Headers.GetValues("RateLimit-Remaining").Single());
        var limited = responses[3];
        Assert.AreEqual(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.IsTrue(int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.AreEqual("rate_limited", (await limited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.AreEqual(1L, await CountSecurityEventsAsync("security.rate_limited"), "one event per subject and minute, however many hits");
    }

    private static async Task<long> CountSecurityEventsAsync(string action)
    {
        await using var connection = new NpgsqlConnection(_api.Database.SuperuserConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM audit_logs WHERE is_security_event AND action = @a", connection);
        command.Parameters.AddWithValue("a", action);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
