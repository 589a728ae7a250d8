using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.Access;

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

    private static Task<HttpResponseMessage> PostAsync(string path, object body, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return _owner.Client.SendAsync(request);
    }
}
