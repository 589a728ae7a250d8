using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Access;
using Platform.Messaging;
using Platform.RateLimiting;
using Platform.Webhooks;
using TestKit;

namespace Api.Tests.Webhooks;

/// <summary>Webhook endpoints through the Api: managed behind their permissions, secrets shown once, test events delivered, logged and replayed.</summary>
[TestClass]
public sealed class WebhooksApiTests
{
    private const int MaxEndpoints = 5;
    // Roomy for the other tests' few test events, refilled within a second; far slower than a loop of requests.
    private const int TestEventsPerWindow = 10;
    private static readonly TimeSpan TestEventsWindow = TimeSpan.FromSeconds(1);
    private static ApiFactory _api = null!;
    private static ApiFactory.SignedIn _owner = null!;
    private static WebhookReceiver _receiver = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        _api = await ApiFactory.CreateAsync("webhooks", new Dictionary<string, string?>
        {
            ["Webhooks:AllowedTargets:0"] = "127.0.0.1",
            ["Webhooks:MaxEndpointsPerOrganization"] = MaxEndpoints.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [$"RateLimiting:Policies:{RateLimitOptions.WebhookTestPolicy}:Limit"] = TestEventsPerWindow.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [$"RateLimiting:Policies:{RateLimitOptions.WebhookTestPolicy}:Window"] = TestEventsWindow.ToString(),
        });
        _owner = await _api.RegisterAndSignInAsync("webhooks", "owner@webhooks.test");
        _receiver = await WebhookReceiver.StartAsync();
    }

    [ClassCleanup]
    public static async Task Stop()
    {
        await _receiver.DisposeAsync();
        await _api.DisposeAsync();
    }

    [TestMethod]
    public async Task An_admin_creates_reads_updates_and_deletes_an_endpoint_and_sees_its_secret_only_once()
    {
        var created = await _owner.Client.PostAsJsonAsync("/api/v1/webhooks/endpoints",
            new { url = "https://203.0.113.10/hooks", description = "CRM", eventTypes = new[] { EventTypes.MemberJoined } });
        Assert.AreEqual(HttpStatusCode.Created, created.StatusCode, await created.Content.ReadAsStringAsync());
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = body.GetProperty("id").GetGuid();
        var secret = body.GetProperty("secret").GetString()!;
        StringAssert.StartsWith(secret, "whsec_");
        Assert.AreEqual($"/api/v1/webhooks/endpoints/{id}", created.Headers.Location!.OriginalString);

        var read = await _owner.Client.GetStringAsync($"/api/v1/webhooks/endpoints/{id}");
        var list = await _owner.Client.GetStringAsync("/api/v1/webhooks/endpoints?limit=10");
        var updated = await _owner.Client.PutAsJsonAsync($"/api/v1/webhooks/endpoints/{id}",
            new { url = "https://203.0.113.11/hooks", description = "CRM v2", eventTypes = new[] { EventTypes.MemberJoined, EventTypes.MemberRemoved }, enabled = false });
        var deleted = await _owner.Client.DeleteAsync($"/api/v1/webhooks/endpoints/{id}");
        var gone = await _owner.Client.GetAsync($"/api/v1/webhooks/endpoints/{id}");

        Assert.DoesNotContain(secret["whsec_".Length..], read, "never shown again");
        Assert.DoesNotContain("secret", read, StringComparison.OrdinalIgnoreCase);
        StringAssert.Contains(list, id.ToString());
        Assert.AreEqual(HttpStatusCode.OK, updated.StatusCode);
        var after = await updated.Content.ReadFromJsonAsync<JsonElement>();
        Assert.AreEqual("https://203.0.113.11/hooks", after.GetProperty("url").GetString());
        Assert.IsFalse(after.GetProperty("enabled").GetBoolean());
        Assert.AreEqual(2, after.GetProperty("eventTypes").GetArrayLength());
        Assert.AreEqual(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.AreEqual(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.AreEqual(0L, await AuditCountAsync($"%{secret["whsec_".Length..]}%"), "the audit log never holds the secret");
        Assert.AreEqual(3L, await AuditCountAsync("%", id.ToString()), "created, updated, deleted");
    }

    [TestMethod]
    public async Task The_event_type_catalogue_is_published()
    {
        var types = await _owner.Client.GetFromJsonAsync<JsonElement[]>("/api/v1/webhooks/event-types");

        var names = types!.Select(t => t.GetProperty("type").GetString()).ToList();
        CollectionAssert.IsSubsetOf(new[] { EventTypes.MemberJoined, EventTypes.ApiKeyCreated, EventTypes.WebhookEndpointDisabled }, names);
        Assert.IsTrue(types!.All(t => t.GetProperty("description").GetString()!.Length > 10));
    }

    [TestMethod]
    [DataRow("http://10.0.0.1/hooks", "member.joined", "url")]
    [DataRow("http://169.254.169.254/latest", "member.joined", "url")]
    [DataRow("http://[::ffff:127.0.0.2]/hooks", "member.joined", "url")]
    [DataRow("ftp://203.0.113.10/hooks", "member.joined", "url")]
    [DataRow("https://203.0.113.10/hooks", "invoice.paid_in_gold", "eventTypes")]
    [DataRow("https://203.0.113.10/hooks", "", "eventTypes")]
    public async Task An_endpoint_the_rules_refuse_is_a_validation_problem_and_nothing_is_stored(string url, string eventType, string field)
    {
        var before = await EndpointCountAsync();

        var response = await _owner.Client.PostAsJsonAsync("/api/v1/webhooks/endpoints",
            new { url, eventTypes = eventType.Length == 0 ? Array.Empty<string>() : new[] { eventType } });

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.AreEqual("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.IsTrue((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _), await response.Content.ReadAsStringAsync());
        Assert.AreEqual(before, await EndpointCountAsync());
    }

    [TestMethod]
    public async Task A_test_event_is_delivered_signed_logged_and_replayed_under_the_same_id_and_a_rotation_signs_twice()
    {
        var path = "/" + Guid.NewGuid().ToString("N");
        var created = await (await _owner.Client.PostAsJsonAsync("/api/v1/webhooks/endpoints",
            new { url = _receiver.Url(path), eventTypes = new[] { EventTypes.MemberJoined } })).Content.ReadFromJsonAsync<JsonElement>();
        var endpointId = created.GetProperty("id").GetGuid();
        var secret = created.GetProperty("secret").GetString()!;

        var test = await _owner.Client.PostAsync($"/api/v1/webhooks/endpoints/{endpointId}/test", null);
        Assert.AreEqual(HttpStatusCode.Accepted, test.StatusCode, await test.Content.ReadAsStringAsync());
        var messageId = (await test.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("messageId").GetString()!;
        await DeliverAsync();
        var replay = await _owner.Client.PostAsJsonAsync($"/api/v1/webhooks/messages/{messageId}/replay", new { endpointId });
        await DeliverAsync();

        Assert.AreEqual(HttpStatusCode.Accepted, replay.StatusCode, await replay.Content.ReadAsStringAsync());
        var received = _receiver.At(path);
        Assert.HasCount(2, received);
        Assert.IsTrue(received.All(r => r.Headers["webhook-id"] == messageId && StandardWebhooksVerifier.Matching(secret, r) == 1));
        Assert.AreEqual(WebhookMessages.TestEventType, JsonDocument.Parse(received[0].Body).RootElement.GetProperty("type").GetString());
        var log = await _owner.Client.GetFromJsonAsync<JsonElement>($"/api/v1/webhooks/endpoints/{endpointId}/deliveries?limit=1");
        var first = log.GetProperty("items")[0];
        Assert.AreEqual("replay", first.GetProperty("trigger").GetString());
        Assert.AreEqual(200, first.GetProperty("statusCode").GetInt32());
        Assert.IsTrue(first.GetProperty("succeeded").GetBoolean());
        var rest = await _owner.Client.GetFromJsonAsync<JsonElement>($"/api/v1/webhooks/endpoints/{endpointId}/deliveries?limit=1&cursor={log.GetProperty("nextCursor").GetString()}");
        Assert.AreEqual("test", rest.GetProperty("items")[0].GetProperty("trigger").GetString());
        var byMessage = await _owner.Client.GetFromJsonAsync<JsonElement>($"/api/v1/webhooks/messages/{messageId}/deliveries");
        Assert.AreEqual(2, byMessage.GetProperty("items").GetArrayLength());

        var rotated = await _owner.Client.PostAsJsonAsync($"/api/v1/webhooks/endpoints/{endpointId}/rotate-secret", new { gracePeriodSeconds = 3600 });
        var newSecret = (await rotated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
        await _owner.Client.PostAsync($"/api/v1/webhooks/endpoints/{endpointId}/test", null);
        await DeliverAsync();

        var afterRotation = _receiver.At(path)[^1];
        Assert.AreEqual(1, StandardWebhooksVerifier.Matching(secret, afterRotation));
        Assert.AreEqual(1, StandardWebhooksVerifier.Matching(newSecret, afterRotation));
        var tooLong = await _owner.Client.PostAsJsonAsync($"/api/v1/webhooks/endpoints/{endpointId}/rotate-secret", new { gracePeriodSeconds = 8 * 86400 });
        Assert.AreEqual(HttpStatusCode.BadRequest, tooLong.StatusCode);
    }

    [TestMethod]
    public async Task A_disabled_endpoint_gets_no_test_event_or_replay()
    {
        var path = "/" + Guid.NewGuid().ToString("N");
        var url = _receiver.Url(path);
        var created = await (await _owner.Client.PostAsJsonAsync("/api/v1/webhooks/endpoints",
            new { url, eventTypes = new[] { EventTypes.MemberJoined } })).Content.ReadFromJsonAsync<JsonElement>();
        var endpointId = created.GetProperty("id").GetGuid();
        var sent = await _owner.Client.PostAsync($"/api/v1/webhooks/endpoints/{endpointId}/test", null);
        var messageId = (await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("messageId").GetString()!;
        await DeliverAsync();
        var disabled = await _owner.Client.PutAsJsonAsync($"/api/v1/webhooks/endpoints/{endpointId}", new { url, eventTypes = new[] { EventTypes.MemberJoined }, enabled = false });
        Assert.AreEqual(HttpStatusCode.OK, disabled.StatusCode);

        var test = await _owner.Client.PostAsync($"/api/v1/webhooks/endpoints/{endpointId}/test", null);
        // A message this endpoint really had: refused only because the endpoint is off.
        var replay = await _owner.Client.PostAsJsonAsync($"/api/v1/webhooks/messages/{messageId}/replay", new { endpointId });
        var missing = await _owner.Client.PostAsJsonAsync("/api/v1/webhooks/messages/msg_nothing/replay", new { endpointId = Guid.NewGuid() });

        Assert.AreEqual(HttpStatusCode.Conflict, test.StatusCode);
        Assert.AreEqual("webhook_endpoint_disabled", (await test.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.AreEqual(HttpStatusCode.Conflict, replay.StatusCode, await replay.Content.ReadAsStringAsync());
        Assert.AreEqual("webhook_endpoint_disabled", (await replay.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.AreEqual(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.HasCount(1, _receiver.At(path), "only the test event sent while it was enabled");
    }

    [TestMethod]
    public async Task A_refused_url_is_explained_without_naming_an_internal_address()
    {
        var response = await _owner.Client.PostAsJsonAsync("/api/v1/webhooks/endpoints",
            new { url = "http://10.41.42.43/hooks", eventTypes = new[] { EventTypes.MemberJoined } });
        var singleLabel = await _owner.Client.PostAsJsonAsync("/api/v1/webhooks/endpoints",
            new { url = "http://intranet/hooks", eventTypes = new[] { EventTypes.MemberJoined } });

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("10.41.42.43", problem);
        Assert.AreEqual(WebhookTargetPolicy.RefusedMessage, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("url")[0].GetString());
        Assert.AreEqual(HttpStatusCode.BadRequest, singleLabel.StatusCode);
        StringAssert.Contains(await singleLabel.Content.ReadAsStringAsync(), "single-label");
    }

    [TestMethod]
    public async Task An_organization_at_its_endpoint_limit_gets_a_conflict_problem()
    {
        var admin = await _api.RegisterAndSignInAsync("webhooks-cap", "owner@webhooks-cap.test");
        for (var i = 0; i < MaxEndpoints; i++)
        {
            var ok = await admin.Client.PostAsJsonAsync("/api/v1/webhooks/endpoints", new { url = $"https://203.0.113.10/cap/{i}", eventTypes = new[] { EventTypes.MemberJoined } });
            Assert.AreEqual(HttpStatusCode.Created, ok.StatusCode);
        }

        var over = await admin.Client.PostAsJsonAsync("/api/v1/webhooks/endpoints", new { url = "https://203.0.113.10/cap/over", eventTypes = new[] { EventTypes.MemberJoined } });

        Assert.AreEqual(HttpStatusCode.Conflict, over.StatusCode);
        Assert.AreEqual("application/problem+json", over.Content.Headers.ContentType?.MediaType);
        Assert.AreEqual(WebhookEndpointLimitException.Code, (await over.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        var listed = await admin.Client.GetFromJsonAsync<JsonElement>("/api/v1/webhooks/endpoints?limit=50");
        Assert.AreEqual(MaxEndpoints, listed.GetProperty("items").GetArrayLength());
    }

    [TestMethod]
    public async Task Test_events_are_rate_limited()
    {
        var created = await (await _owner.Client.PostAsJsonAsync("/api/v1/webhooks/endpoints",
            new { url = "https://203.0.113.10/limited", eventTypes = new[] { EventTypes.MemberJoined }, enabled = false })).Content.ReadFromJsonAsync<JsonElement>();
        var endpointId = created.GetProperty("id").GetGuid();

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 20 * TestEventsPerWindow && limited is null; i++)
        {
            var response = await _owner.Client.PostAsync($"/api/v1/webhooks/endpoints/{endpointId}/test", null);
            statuses.Add(response.StatusCode);
            limited = response.StatusCode == HttpStatusCode.TooManyRequests ? response : null;
        }

        Assert.IsNotNull(limited, string.Join(", ", statuses));
        Assert.IsTrue(statuses.Count > 1 && statuses[..^1].All(s => s == HttpStatusCode.Conflict), "refused as disabled until the budget is spent");
        Assert.IsTrue(limited.Headers.RetryAfter is not null);
        Assert.AreEqual("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        Assert.AreEqual(0L, await EndpointDeliveryCountAsync(endpointId));
        // The budget refills before the next test sends test events of its own.
        await Task.Delay(TestEventsWindow);
    }

    [TestMethod]
    public async Task Recovering_an_endpoint_resends_what_failed_since_the_time_given_and_is_audited()
    {
        var path = "/" + Guid.NewGuid().ToString("N");
        var created = await (await _owner.Client.PostAsJsonAsync("/api/v1/webhooks/endpoints",
            new { url = _receiver.Url(path), eventTypes = new[] { EventTypes.MemberJoined } })).Content.ReadFromJsonAsync<JsonElement>();
        var endpointId = created.GetProperty("id").GetGuid();
        var since = DateTimeOffset.UtcNow.AddMinutes(-1);
        var sent = await _owner.Client.PostAsync($"/api/v1/webhooks/endpoints/{endpointId}/test", null);
        var messageId = (await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("messageId").GetString()!;
        // What an outage leaves once the schedule is exhausted.
        await using (var connection = new NpgsqlConnection(_api.Database.SuperuserConnectionString))
        {
            await connection.OpenAsync();
            await using var fail = new NpgsqlCommand("UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL WHERE endpoint_id = $1", connection) { Parameters = { new() { Value = endpointId } } };
            await fail.ExecuteNonQueryAsync();
        }

        var recovered = await _owner.Client.PostAsJsonAsync($"/api/v1/webhooks/endpoints/{endpointId}/recover", new { since });
        await DeliverAsync();
        var future = await _owner.Client.PostAsJsonAsync($"/api/v1/webhooks/endpoints/{endpointId}/recover", new { since = DateTimeOffset.UtcNow.AddDays(1) });
        var unknown = await _owner.Client.PostAsJsonAsync($"/api/v1/webhooks/endpoints/{Guid.NewGuid()}/recover", new { since });

        Assert.AreEqual(HttpStatusCode.Accepted, recovered.StatusCode, await recovered.Content.ReadAsStringAsync());
        Assert.AreEqual(1, (await recovered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("requeued").GetInt32());
        Assert.AreEqual(messageId, _receiver.At(path).Single().Headers["webhook-id"]);
        Assert.AreEqual(HttpStatusCode.BadRequest, future.StatusCode);
        Assert.IsTrue((await future.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("since", out _));
        Assert.AreEqual(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.AreEqual(1L, await AuditCountAsync("%equeued%", endpointId.ToString()), "recorded with what it did");
    }

    [TestMethod]
    public async Task A_viewer_cannot_see_or_manage_webhooks()
    {
        var viewer = await _api.RegisterAndSignInAsync("webhooks-viewer", "viewer@webhooks.test");
        await TestMembers.AddAsync(_api.Database.SuperuserConnectionString, _owner.OrganizationId, viewer.UserId, SystemRoles.Viewer);
        var tokens = await _api.LoginAsync("viewer@webhooks.test", viewer.Password, organization: "webhooks");
        using var client = _api.Authorized(tokens.AccessToken);

        Assert.AreEqual(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/webhooks/endpoints")).StatusCode);
        Assert.AreEqual(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/webhooks/event-types")).StatusCode);
        Assert.AreEqual(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync("/api/v1/webhooks/endpoints", new { url = "https://203.0.113.10/x", eventTypes = new[] { EventTypes.MemberJoined } })).StatusCode);
        Assert.AreEqual(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync("/api/v1/webhooks/messages/msg_x/replay", new { endpointId = Guid.NewGuid() })).StatusCode);
        Assert.AreEqual(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync($"/api/v1/webhooks/endpoints/{Guid.NewGuid()}/recover", new { since = DateTimeOffset.UtcNow })).StatusCode);
    }

    /// <summary>What the Workers' delivery job does, with the Api's own registrations.</summary>
    private static async Task DeliverAsync()
    {
        await using var scope = _api.Services.CreateAsyncScope();
        Assert.AreEqual(1, await scope.ServiceProvider.GetRequiredService<WebhookDispatcher>().DeliverDueAsync());
    }

    private static async Task<long> EndpointDeliveryCountAsync(Guid endpointId)
    {
        await using var connection = new NpgsqlConnection(_api.Database.SuperuserConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1", connection) { Parameters = { new() { Value = endpointId } } };
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<long> EndpointCountAsync()
    {
        await using var connection = new NpgsqlConnection(_api.Database.SuperuserConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM webhook_endpoints", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<long> AuditCountAsync(string changesLike, string? resourceId = null)
    {
        await using var connection = new NpgsqlConnection(_api.Database.SuperuserConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM audit_logs WHERE tenant_id = $1 AND coalesce(changes::text, '') LIKE $2 AND ($3::text IS NULL OR resource_id = $3) AND action LIKE 'webhook%'", connection)
        {
            Parameters = { new() { Value = _owner.OrganizationId }, new() { Value = changesLike }, new() { Value = (object?)resourceId ?? DBNull.Value } },
        };
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
