using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Platform.Access;
using Platform.Caching;
using Platform.Messaging;

namespace Api.Tests.Conventions;

[TestClass]
public sealed class IdempotencyTests
{
    private static ApiFactory _api = null!;
    private static ApiFactory.SignedIn _owner = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        _api = await ApiFactory.CreateAsync("idempotency");
        _owner = await _api.RegisterAndSignInAsync("idem", "owner@idem.test");
    }

    [ClassCleanup]
    public static async Task Stop() => await _api.DisposeAsync();

    [TestMethod]
    public async Task A_repeated_create_with_the_same_key_returns_the_first_result_and_creates_once()
    {
        var body = new { name = "Retry-safe", description = "", permissions = new[] { Permissions.Users.Read } };

        var first = await PostAsync("/api/v1/roles", body, "key-1");
        var second = await PostAsync("/api/v1/roles", body, "key-1");

        Assert.AreEqual(HttpStatusCode.Created, first.StatusCode);
        Assert.AreEqual(HttpStatusCode.Created, second.StatusCode);
        Assert.AreEqual(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.AreEqual("true", second.Headers.GetValues("Idempotent-Replayed").Single());
        var roles = await _owner.Client.GetFromJsonAsync<JsonElement[]>("/api/v1/roles");
        Assert.AreEqual(1, roles!.Count(r => r.GetProperty("name").GetString() == "Retry-safe"));
    }

    [TestMethod]
    public async Task The_same_key_with_another_body_is_refused()
    {
        await PostAsync("/api/v1/roles", new { name = "First body", description = "", permissions = new[] { Permissions.Users.Read } }, "key-2");

        var other = await PostAsync("/api/v1/roles", new { name = "Second body", description = "", permissions = new[] { Permissions.Users.Read } }, "key-2");

        Assert.AreEqual(HttpStatusCode.UnprocessableEntity, other.StatusCode);
        Assert.AreEqual("idempotency_key_reused", (await other.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [TestMethod]
    public async Task A_failed_first_attempt_is_not_kept_so_the_client_can_retry()
    {
        var failed = await PostAsync("/api/v1/roles", new { name = "", description = "", permissions = new[] { Permissions.Users.Read } }, "key-3");
        Assert.AreEqual(HttpStatusCode.BadRequest, failed.StatusCode);

        var again = await PostAsync("/api/v1/roles", new { name = "", description = "", permissions = new[] { Permissions.Users.Read } }, "key-3");

        Assert.AreEqual(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.IsFalse(again.Headers.Contains("Idempotent-Replayed"));
    }

    [TestMethod]
    [DataRow("/api/v1/webhooks/endpoints", "secret")]
    [DataRow("/api/v1/api-keys", "key")]
    public async Task A_kept_response_never_holds_its_secret_in_clear_in_redis_and_still_replays(string path, string secretField)
    {
        object body = path.Contains("webhooks", StringComparison.Ordinal)
            ? new { url = "https://203.0.113.10/idempotent", eventTypes = new[] { EventTypes.MemberJoined } }
            : new { name = "Idempotent key", permissions = new[] { Permissions.Users.Read } };
        var key = "secret-" + Guid.NewGuid().ToString("N");

        var first = await PostAsync(path, body, key);
        var second = await PostAsync(path, body, key);

        Assert.AreEqual(HttpStatusCode.Created, first.StatusCode, await first.Content.ReadAsStringAsync());
        var firstBody = await first.Content.ReadAsStringAsync();
        var secret = JsonDocument.Parse(firstBody).RootElement.GetProperty(secretField).GetString()!;
        Assert.AreEqual(HttpStatusCode.Created, second.StatusCode);
        Assert.AreEqual(firstBody, await second.Content.ReadAsStringAsync(), "the replay is the same response, secret included");
        Assert.AreEqual("true", second.Headers.GetValues("Idempotent-Replayed").Single());
        var redisKey = $"idempotency:{_owner.OrganizationId:N}:{path}:{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)))}";
        var raw = await _api.Services.GetRequiredService<RedisClient>().GetStringAsync(redisKey, CancellationToken.None);
        Assert.IsNotNull(raw, "the response is kept");
        // JSON escapes '+' (\u002B) in the body, and again inside what is kept: look for the longest run without one.
        var part = secret.Split('+', '/', '=', '_').MaxBy(p => p.Length)!;
        Assert.IsGreaterThanOrEqualTo(8, part.Length);
        Assert.DoesNotContain(part, raw, "not even part of the secret");
    }

    private static Task<HttpResponseMessage> PostAsync(string path, object body, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return _owner.Client.SendAsync(request);
    }
}
