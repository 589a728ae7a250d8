using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Api.Tests.Access;
using Api.Tests.Conventions;
using Platform.Access;

namespace Api.Tests.Isolation;

/// <summary>
/// For every endpoint in the route table, a member and an API key of organization A aim at
/// organization B's resources: nothing of B may be read, listed, changed or deleted. A route
/// with an id parameter this suite does not know how to fill fails the suite, so new endpoints
/// are covered from the day they are added. Parameters that name something of the platform, the same
/// for every organization (an email template's key and culture), are filled from <see cref="Shared"/>.
/// </summary>
[TestClass]
public sealed partial class CrossTenantTests
{
    private static ApiFactory _api = null!;
    private static ApiFactory.SignedIn _a = null!;
    private static ApiFactory.SignedIn _b = null!;
    private static HttpClient _aKey = null!;
    private static Dictionary<string, string> _bIds = null!;
    private static Dictionary<string, string> _aIds = null!;

    /// <summary>Route parameters that are not an organization's resource: one value for both.</summary>
    private static readonly Dictionary<string, string> Shared = new() { ["templateKey"] = "invitation", ["culture"] = "en", ["version"] = "1" };

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        _api = await ApiFactory.CreateAsync("isolation");
        _a = await _api.RegisterAndSignInAsync("org-a", "owner@a.test");
        _b = await _api.RegisterAndSignInAsync("org-b", "owner@b.test");
        _bIds = await CreateResourcesAsync(_b, "b");
        _aIds = await CreateResourcesAsync(_a, "a");
        var everything = PermissionCatalogue.All.Select(p => p.Name).Where(p => SystemRoles.Owner.Permissions.Contains(p)).ToArray();
        var key = await ApiKeyTests.CreateKeyAsync(_api, _a, "isolation-key", everything);
        _aKey = _api.CreateClient();
        _aKey.DefaultRequestHeaders.TryAddWithoutValidation("X-Api-Key", key);
    }

    [ClassCleanup]
    public static async Task Stop() => await _api.DisposeAsync();

    [TestMethod]
    public async Task No_endpoint_lets_organization_A_touch_organization_B()
    {
        var before = await SnapshotOfBAsync();
        var failures = new List<string>();

        foreach (var route in RouteTable.Of(_api).Where(r => !r.Anonymous))
        {
            var parameters = Parameter().Matches(route.Pattern).Select(m => m.Groups[1].Value).Distinct().Where(p => !Shared.ContainsKey(p)).ToList();
            var unknown = parameters.Where(p => !_bIds.ContainsKey(p)).ToList();
            if (unknown.Count > 0)
            {
                failures.Add($"{route.Method} {route.Pattern}: no cross-tenant case for {string.Join(", ", unknown)} — add one to CreateResourcesAsync");
                continue;
            }

            // Every combination of A's and B's ids, except all-A (which is A acting on its own data).
            foreach (var combination in Combinations(parameters).Where(c => c.Values.Any(owner => owner == "b")))
            {
                var path = Parameter().Replace(route.Pattern, m => Shared.TryGetValue(m.Groups[1].Value, out var shared)
                    ? shared
                    : (combination[m.Groups[1].Value] == "b" ? _bIds : _aIds)[m.Groups[1].Value]);
                foreach (var (who, client) in new[] { ("member", _a.Client), ("api key", _aKey) })
                {
                    var response = await SendAsync(client, route.Method, path);
                    var body = await response.Content.ReadAsStringAsync();
                    var refused = response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden or HttpStatusCode.BadRequest;
                    if (!refused)
                    {
                        failures.Add($"{who}: {route.Method} {path} answered {(int)response.StatusCode}");
                    }

                    // Echoing an id the caller sent reveals nothing; any other id of B does.
                    foreach (var id in _bIds.Values.Where(id => body.Contains(id, StringComparison.Ordinal) && !path.Contains(id, StringComparison.Ordinal)))
                    {
                        failures.Add($"{who}: {route.Method} {path} revealed B's id {id}");
                    }
                }
            }
        }

        // Lists of A never show B's rows.
        foreach (var list in new[] { "/api/v1/users", "/api/v1/roles", "/api/v1/api-keys", "/api/v1/security/ip-rules", "/api/v1/audit/logs", "/api/v1/audit/access-review", "/api/v1/account/sessions", "/api/v1/security/contacts", "/api/v1/invitations", "/api/v1/dead-letters", "/api/v1/notifications", "/api/v1/notifications/preferences", "/api/v1/webhooks/endpoints",
            "/api/v1/email/messages", "/api/v1/email/templates", "/api/v1/email/templates/invitation/en", "/api/v1/workflows", "/api/v1/ai/models", "/api/v1/organization" })
        {
            foreach (var (who, client) in new[] { ("member", _a.Client), ("api key", _aKey) })
            {
                var body = await (await client.GetAsync(list)).Content.ReadAsStringAsync();
                foreach (var id in _bIds.Values.Where(body.Contains))
                {
                    failures.Add($"{who}: GET {list} listed B's id {id}");
                }
            }
        }

        Assert.IsEmpty(failures, string.Join('\n', failures));
        Assert.AreEqual(before, await SnapshotOfBAsync(), "B's data is unchanged");
    }

    /// <summary>One resource of each kind in an organization; keys are the route parameter names.</summary>
    private static async Task<Dictionary<string, string>> CreateResourcesAsync(ApiFactory.SignedIn owner, string tag)
    {
        var role = await owner.Client.PostAsJsonAsync("/api/v1/roles", new { name = "Custom " + tag, description = "", permissions = new[] { Permissions.Users.Read } });
        var key = await owner.Client.PostAsJsonAsync("/api/v1/api-keys", new { name = "key " + tag, permissions = new[] { Permissions.Users.Read } });
        var rule = await owner.Client.PostAsJsonAsync("/api/v1/security/ip-rules", new { cidr = tag == "a" ? "203.0.113.0/24" : "198.51.100.0/24", action = "deny", description = "test" });
        var sessions = await owner.Client.GetFromJsonAsync<JsonElement[]>("/api/v1/account/sessions");
        var invitation = await owner.Client.PostAsJsonAsync("/api/v1/invitations", new { email = $"invitee@{tag}.test", roleId = SystemRoles.Viewer.Id });
        Assert.AreEqual(HttpStatusCode.NoContent, (await owner.Client.PutAsJsonAsync($"/api/v1/security/contacts/{owner.UserId}", new { minSeverity = "low" })).StatusCode);
        var endpoint = await owner.Client.PostAsJsonAsync("/api/v1/webhooks/endpoints", new { url = $"https://203.0.113.{(tag == "a" ? 1 : 2)}/hooks", eventTypes = new[] { "member.joined" } });
        var endpointId = await IdAsync(endpoint);
        var testEvent = await owner.Client.PostAsync($"/api/v1/webhooks/endpoints/{endpointId}/test", null);
        Assert.AreEqual(HttpStatusCode.Accepted, testEvent.StatusCode, await testEvent.Content.ReadAsStringAsync());
        var marker = $"template-of-{tag}-{Guid.NewGuid():N}";
        var customized = await owner.Client.PutAsJsonAsync("/api/v1/email/templates/invitation/en", new { subject = marker + " {{roleName}}" });
        Assert.AreEqual(HttpStatusCode.OK, customized.StatusCode, await customized.Content.ReadAsStringAsync());
        var workflow = await WorkflowOfAsync(owner, tag);
        await Api.Tests.Ai.AiModelsApiTests.UploadAndActivateAsync(owner.Client, $"model-{tag}", AiInference.Runtime.Modelling.Samples.LogisticModel.Random(4).Build());
        return new Dictionary<string, string>
        {
            ["userId"] = owner.UserId.ToString(),
            ["roleId"] = await IdAsync(role),
            ["keyId"] = (await key.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetProperty("id").GetString()!,
            ["ruleId"] = await IdAsync(rule),
            ["sessionId"] = sessions![0].GetProperty("id").GetString()!,
            ["invitationId"] = await IdAsync(invitation),
            // Alerts are created by the platform, not by a request: a random id stands for B's.
            ["alertId"] = Guid.NewGuid().ToString(),
            ["deadLetterId"] = (await DeadLetterOfAsync(owner.OrganizationId)).ToString(),
            ["notificationId"] = (await NotificationForAsync(owner)).ToString(),
            ["endpointId"] = endpointId,
            ["messageId"] = (await testEvent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("messageId").GetString()!,
            ["emailId"] = (await EmailMessageOfAsync(owner.OrganizationId)).ToString(),
            // Not a route parameter: the organization's version of a template, which no other organization may see.
            ["templateMarker"] = marker,
            ["workflowId"] = workflow.Id,
            ["executionId"] = workflow.ExecutionId,
            // A model is named within its organization; the version (1) is in Shared.
            ["name"] = $"model-{tag}",
        };
    }

    /// <summary>An email of the organization's send log (its owner's confirmation email).</summary>
    private static async Task<Guid> EmailMessageOfAsync(Guid organizationId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(_api.Database.SuperuserConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT id FROM email_messages WHERE tenant_id = $1 ORDER BY created_at LIMIT 1", connection)
        {
            Parameters = { new() { Value = organizationId } },
        };
        return (Guid)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>A published workflow with one execution waiting on a delay.</summary>
    private static async Task<(string Id, string ExecutionId)> WorkflowOfAsync(ApiFactory.SignedIn owner, string tag)
    {
        var graph = new
        {
            nodes = new object[] { new { id = "start", type = "trigger.webhook" }, new { id = "wait", type = "delay", config = new { seconds = 3600 } } },
            edges = new[] { new { from = "start", to = "wait" } },
        };
        var id = await IdAsync(await owner.Client.PostAsJsonAsync("/api/v1/workflows", new { name = "Flow " + tag, graph }));
        Assert.AreEqual(HttpStatusCode.OK, (await owner.Client.PostAsync($"/api/v1/workflows/{id}/publish", null)).StatusCode);
        var started = await owner.Client.PostAsJsonAsync($"/api/v1/workflows/{id}/executions", new { input = new { tag } });
        Assert.AreEqual(HttpStatusCode.Accepted, started.StatusCode);
        return (id, (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
    }

    /// <summary>An unread notification of the member, as the platform sends it.</summary>
    private static async Task<Guid> NotificationForAsync(ApiFactory.SignedIn member)
    {
        await using var scope = _api.Services.CreateAsyncScope();
        var notifications = scope.ServiceProvider.GetRequiredService<Platform.Notifications.NotificationService>();
        return (await notifications.SendAsync(member.OrganizationId, member.UserId, "test.isolation", "For your eyes only"))!.Id;
    }

    /// <summary>A message of the organization that failed every attempt, as the Workers leave it.</summary>
    private static async Task<Guid> DeadLetterOfAsync(Guid organizationId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(_api.Database.OwnerConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            """
            INSERT INTO dead_letters (queue, message_id, tenant_id, type, payload, priority, attempts, last_error, enqueued_at)
            VALUES ('integration-events', gen_random_uuid(), $1, 'customer.created', '{}', 0, 5, 'handler failed', now())
            RETURNING id
            """, connection) { Parameters = { new() { Value = organizationId } } };
        return (Guid)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<string> IdAsync(HttpResponseMessage created)
    {
        Assert.AreEqual(HttpStatusCode.Created, created.StatusCode, await created.Content.ReadAsStringAsync());
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string path)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PUT" or "PATCH")
        {
            // A plausible body for every write: the ids in the path are what is being tested.
            request.Content = JsonContent.Create(new { name = "Hijacked", description = "", permissions = new[] { Permissions.Users.Read }, minSeverity = "low", code = "000000" });
        }

        return client.SendAsync(request);
    }

    private static IEnumerable<Dictionary<string, string>> Combinations(List<string> parameters)
    {
        for (var mask = 0; mask < 1 << parameters.Count; mask++)
        {
            yield return parameters.Select((p, i) => (p, owner: (mask & (1 << i)) != 0 ? "b" : "a")).ToDictionary(x => x.p, x => x.owner);
        }
    }

    /// <summary>What B's owner sees of B: it must read the same after A's attempts.</summary>
    private static async Task<string> SnapshotOfBAsync()
    {
        var parts = new List<string>();
        foreach (var list in new[] { "/api/v1/users", "/api/v1/roles", "/api/v1/api-keys", "/api/v1/security/ip-rules", "/api/v1/account/sessions", "/api/v1/security/contacts", "/api/v1/invitations", "/api/v1/dead-letters", "/api/v1/notifications",
            "/api/v1/email/messages", "/api/v1/email/templates", "/api/v1/email/templates/invitation/en", "/api/v1/workflows", "/api/v1/ai/models", "/api/v1/organization" })
        {
            var json = JsonDocument.Parse(await _b.Client.GetStringAsync(list)).RootElement;
            // Last-used and last-seen times move with B's own reads; compare everything else.
            parts.Add(Regex.Replace(json.GetRawText(), "\"(lastUsedAt|lastSeenAt)\":\"[^\"]*\"", string.Empty));
        }

        return string.Join('\n', parts);
    }

    [GeneratedRegex(@"\{([A-Za-z]+)(:[^}]+)?\}")]
    private static partial Regex Parameter();
}
