using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Api.Tests.Conventions;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Access;
using Platform.Identity.Mfa;
using Platform.Security;

namespace Api.Tests.Audit;

/// <summary>
/// Every mutating endpoint leaves exactly one audit row in the organization's log. The list of
/// cases is checked against the route table: a new mutating endpoint without a case fails here.
/// Sign-in endpoints (/api/v1/auth) are covered by security events and registration's own entry.
/// </summary>
[TestClass]
public sealed class AuditEveryMutationTests
{
    private static ApiFactory _api = null!;
    private static ApiFactory.SignedIn _owner = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        _api = await ApiFactory.CreateAsync("audit_all");
        _owner = await _api.RegisterAndSignInAsync("audited", "owner@audited.test");
    }

    [ClassCleanup]
    public static async Task Stop() => await _api.DisposeAsync();

    [TestMethod]
    public async Task Each_mutating_endpoint_writes_exactly_one_audit_entry_and_the_chain_stays_valid()
    {
        var ids = new Dictionary<string, string>();
        var key = Base32.Decode("JBSWY3DPEHPK3PXP"); // replaced by the setup case
        var totp = new Totp(TimeProvider.System);
        var cases = new List<(string Route, Func<Task<HttpResponseMessage>> Call)>
        {
            ("POST /api/v1/roles", async () => Remember(await Post("/api/v1/roles", new { name = "Clerk", description = "", permissions = new[] { Permissions.Users.Read } }), "roleId")),
            ("PUT /api/v1/roles/{roleId:guid}", () => Put($"/api/v1/roles/{ids["roleId"]}", new { name = "Senior clerk", description = "", permissions = new[] { Permissions.Users.Read } })),
            ("PUT /api/v1/users/{userId:guid}/roles/{roleId:guid}", () => Put($"/api/v1/users/{_owner.UserId}/roles/{ids["roleId"]}", null)),
            ("DELETE /api/v1/users/{userId:guid}/roles/{roleId:guid}", () => _owner.Client.DeleteAsync($"/api/v1/users/{_owner.UserId}/roles/{ids["roleId"]}")),
            ("DELETE /api/v1/roles/{roleId:guid}", () => _owner.Client.DeleteAsync($"/api/v1/roles/{ids["roleId"]}")),
            ("POST /api/v1/api-keys/", async () =>
            {
                var response = await Post("/api/v1/api-keys", new { name = "ci", permissions = new[] { Permissions.Users.Read } });
                ids["keyId"] = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetProperty("id").GetString()!;
                return response;
            }),
            ("POST /api/v1/invitations/", async () => Remember(await Post("/api/v1/invitations", new { email = "new@audited.test", roleId = SystemRoles.Viewer.Id }), "invitationId")),
            ("DELETE /api/v1/invitations/{invitationId:guid}", () => _owner.Client.DeleteAsync($"/api/v1/invitations/{ids["invitationId"]}")),
            ("DELETE /api/v1/api-keys/{keyId:guid}", () => _owner.Client.DeleteAsync($"/api/v1/api-keys/{ids["keyId"]}")),
            ("POST /api/v1/security/ip-rules", async () => Remember(await Post("/api/v1/security/ip-rules", new { cidr = "198.51.100.0/24", action = "deny" }), "ruleId")),
            ("DELETE /api/v1/security/ip-rules/{ruleId:guid}", () => _owner.Client.DeleteAsync($"/api/v1/security/ip-rules/{ids["ruleId"]}")),
            ("PUT /api/v1/security/contacts/{userId:guid}", () => Put($"/api/v1/security/contacts/{_owner.UserId}", new { minSeverity = "low" })),
            ("POST /api/v1/security/alerts/{alertId:guid}/read", async () =>
            {
                var alerts = _api.Services.GetRequiredService<SecurityAlertService>();
                var alert = await alerts.RaiseAsync(_owner.OrganizationId, "refresh_token_reuse", SecuritySeverity.Critical, "Test alert", null);
                await alerts.DeliverDueAsync(DateTimeOffset.UtcNow.AddMinutes(1));
                var before = await CountAsync();
                var response = await _owner.Client.PostAsync($"/api/v1/security/alerts/{alert.Id}/read", null);
                _offset = await CountAsync() - before - 1;
                return response;
            }),
            ("POST /api/v1/dead-letters/{deadLetterId:guid}/replay", async () =>
            {
                // A message of the organization that failed every attempt, through the real queue.
                var queue = _api.Services.GetRequiredService<Platform.Messaging.PostgresQueueTransport>();
                await queue.SendAsync("audited-events", [new Platform.Messaging.OutgoingMessage(Guid.CreateVersion7(), _owner.OrganizationId, "customer.created", "{}")]);
                var claimed = (await queue.ReceiveAsync("audited-events", 1, TimeSpan.FromMinutes(1))).Single();
                await queue.DeadLetterAsync(claimed, "handler failed");
                var letter = (await _api.Services.GetRequiredService<Platform.Messaging.DeadLetterStore>().ListAsync(_owner.OrganizationId, 1)).Single();
                return await _owner.Client.PostAsync($"/api/v1/dead-letters/{letter.Id}/replay", null);
            }),
            ("POST /api/v1/notifications/{notificationId:guid}/read", async () =>
            {
                await using var scope = _api.Services.CreateAsyncScope();
                var sent = await scope.ServiceProvider.GetRequiredService<Platform.Notifications.NotificationService>()
                    .SendAsync(_owner.OrganizationId, _owner.UserId, "test.audit", "Read me");
                return await _owner.Client.PostAsync($"/api/v1/notifications/{sent!.Id}/read", null);
            }),
            ("POST /api/v1/notifications/read", () => Post("/api/v1/notifications/read", new { ids = (Guid[]?)null })),
            ("PUT /api/v1/notifications/preferences", () => Put("/api/v1/notifications/preferences", new { type = "workflow.failed", inApp = false, email = true })),
            ("POST /api/v1/webhooks/endpoints", async () => Remember(await Post("/api/v1/webhooks/endpoints", new { url = "https://203.0.113.20/hooks", eventTypes = new[] { "member.joined" } }), "endpointId")),
            ("PUT /api/v1/webhooks/endpoints/{endpointId:guid}", () => Put($"/api/v1/webhooks/endpoints/{ids["endpointId"]}", new { url = "https://203.0.113.21/hooks", eventTypes = new[] { "member.removed" } })),
            ("POST /api/v1/webhooks/endpoints/{endpointId:guid}/rotate-secret", () => Post($"/api/v1/webhooks/endpoints/{ids["endpointId"]}/rotate-secret", new { gracePeriodSeconds = 60 })),
            ("POST /api/v1/webhooks/endpoints/{endpointId:guid}/test", async () =>
            {
                var response = await _owner.Client.PostAsync($"/api/v1/webhooks/endpoints/{ids["endpointId"]}/test", null);
                ids["messageId"] = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("messageId").GetString()!;
                return response;
            }),
            ("POST /api/v1/webhooks/messages/{messageId}/replay", () => Post($"/api/v1/webhooks/messages/{ids["messageId"]}/replay", new { endpointId = ids["endpointId"] })),
            ("POST /api/v1/webhooks/endpoints/{endpointId:guid}/recover", () => Post($"/api/v1/webhooks/endpoints/{ids["endpointId"]}/recover", new { since = DateTimeOffset.UtcNow.AddHours(-1) })),
            ("DELETE /api/v1/webhooks/endpoints/{endpointId:guid}", () => _owner.Client.DeleteAsync($"/api/v1/webhooks/endpoints/{ids["endpointId"]}")),
            ("PUT /api/v1/email/templates/{templateKey}/{culture}", () => Put("/api/v1/email/templates/welcome/fr", new { subject = "Bienvenue, {{userName}} !" })),
            ("DELETE /api/v1/email/templates/{templateKey}/{culture}", () => _owner.Client.DeleteAsync("/api/v1/email/templates/welcome/fr")),
            ("POST /api/v1/workflows/", async () => Remember(await Post("/api/v1/workflows", new { name = "Audited flow", graph = Workflows.WorkflowsApiTests.Graph("trigger.webhook") }), "workflowId")),
            ("PUT /api/v1/workflows/{workflowId:guid}", () => Put($"/api/v1/workflows/{ids["workflowId"]}", new { name = "Audited flow v2", graph = Workflows.WorkflowsApiTests.Graph("trigger.webhook") })),
            ("POST /api/v1/workflows/{workflowId:guid}/publish", async () =>
            {
                var response = await _owner.Client.PostAsync($"/api/v1/workflows/{ids["workflowId"]}/publish", null);
                ids["hookToken"] = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hookToken").GetString()!;
                return response;
            }),
            ("POST /api/v1/workflows/hooks/{workflowId:guid}", async () =>
            {
                using var anonymous = _api.CreateClient();
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/workflows/hooks/{ids["workflowId"]}") { Content = JsonContent.Create(new { name = "hook" }) };
                request.Headers.Add("X-Workflow-Token", ids["hookToken"]);
                return await anonymous.SendAsync(request);
            }),
            ("POST /api/v1/workflows/{workflowId:guid}/executions", async () =>
            {
                var response = await Post($"/api/v1/workflows/{ids["workflowId"]}/executions", new { input = new { name = "manual" } });
                ids["executionId"] = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
                return response;
            }),
            ("POST /api/v1/workflows/executions/{executionId:guid}/cancel", () => _owner.Client.PostAsync($"/api/v1/workflows/executions/{ids["executionId"]}/cancel", null)),
            ("POST /api/v1/workflows/executions/{executionId:guid}/retry", async () =>
            {
                // A workflow whose only step fails at once (nothing listens on the discard port), run to failure by the runner.
                var arranged = await CountAsync();
                var failing = await Post("/api/v1/workflows", new
                {
                    name = "Fails",
                    graph = new
                    {
                        nodes = new object[] { new { id = "start", type = "trigger.manual" }, new { id = "call", type = "http.request", config = new { url = "http://127.0.0.1:9/" }, retry = new { maxAttempts = 1 } } },
                        edges = new[] { new { from = "start", to = "call" } },
                    },
                });
                var flow = (await failing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
                await _owner.Client.PostAsync($"/api/v1/workflows/{flow}/publish", null);
                var started = await Post($"/api/v1/workflows/{flow}/executions", new { input = new { } });
                var execution = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
                await _api.Services.GetRequiredService<Platform.Workflows.WorkflowRunner>().RunDueAsync();
                _offset = await CountAsync() - arranged;
                return await _owner.Client.PostAsync($"/api/v1/workflows/executions/{execution}/retry", null);
            }),
            ("DELETE /api/v1/workflows/{workflowId:guid}", () => _owner.Client.DeleteAsync($"/api/v1/workflows/{ids["workflowId"]}")),
            ("DELETE /api/v1/security/contacts/{userId:guid}", () => _owner.Client.DeleteAsync($"/api/v1/security/contacts/{_owner.UserId}")),
            ("DELETE /api/v1/users/{userId:guid}", async () =>
            {
                var other = await _api.RegisterAndSignInAsync("audited-other", "member@audited.test");
                await TestMembers.AddAsync(_api.Database.SuperuserConnectionString, _owner.OrganizationId, other.UserId, SystemRoles.Member);
                return await _owner.Client.DeleteAsync($"/api/v1/users/{other.UserId}");
            }),
            ("DELETE /api/v1/account/sessions/{sessionId:guid}", async () =>
            {
                var arranged = await CountAsync();
                var second = await _api.LoginAsync(_owner.Email, _owner.Password);
                _offset = await CountAsync() - arranged; // the sign-in's own entry is not the revocation's
                using var secondClient = _api.Authorized(second.AccessToken);
                var mine = (await secondClient.GetFromJsonAsync<JsonElement>("/api/v1/account")).GetProperty("sessionId").GetString();
                return await _owner.Client.DeleteAsync($"/api/v1/account/sessions/{mine}");
            }),
            ("POST /api/v1/account/logout", async () =>
            {
                var arranged = await CountAsync();
                var third = await _api.LoginAsync(_owner.Email, _owner.Password);
                _offset = await CountAsync() - arranged;
                using var thirdClient = _api.Authorized(third.AccessToken);
                return await thirdClient.PostAsync("/api/v1/account/logout", null);
            }),
            ("POST /api/v1/account/switch-organization", async () =>
            {
                // Switching into the same organization starts a session there: one entry, in that organization.
                return await Post("/api/v1/account/switch-organization", new { organizationId = _owner.OrganizationId });
            }),
            ("POST /api/v1/account/mfa/setup", async () =>
            {
                var response = await _owner.Client.PostAsync("/api/v1/account/mfa/setup", null);
                key = Base32.Decode((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sharedKey").GetString()!);
                return response;
            }),
            // Three codes, one per time step, each accepted once: previous, current and next step fit the window.
            ("POST /api/v1/account/mfa/enable", () => Post("/api/v1/account/mfa/enable", new { code = totp.GenerateForStep(key, totp.CurrentStep - 1) })),
            ("POST /api/v1/account/mfa/recovery-codes", () => Post("/api/v1/account/mfa/recovery-codes", new { code = totp.GenerateForStep(key, totp.CurrentStep) })),
            ("POST /api/v1/account/mfa/disable", () => Post("/api/v1/account/mfa/disable", new { code = totp.GenerateForStep(key, totp.CurrentStep + 1) })),
            ("PUT /api/v1/account/", () => Put("/api/v1/account", new { displayName = "Renamed owner" })),
            // The name only: requiring a second factor would change how the later cases sign in.
            ("PUT /api/v1/organization/", () => Put("/api/v1/organization", new { name = "Audited organization", mfaRequired = false })),
            // Last: later cases sign in again with the owner's password.
            ("POST /api/v1/account/password", () => Post("/api/v1/account/password", new { currentPassword = _owner.Password, newPassword = "a different long passphrase" })),
        };

        cases.Add(("POST /api/v1/ai/models/", () => Post("/api/v1/ai/models",
            new { name = "audited-model", modelType = "logistic", onnx = Convert.ToBase64String(AiInference.Runtime.Modelling.Samples.LogisticModel.Random(4).Build()) })));
        cases.Add(("POST /api/v1/ai/models/{name}/versions/{version}/activate", () => _owner.Client.PostAsync("/api/v1/ai/models/audited-model/versions/1/activate", null)));

        // POSTs that change nothing (a preview renders and stores nothing): they must write no entry.
        var readOnly = new List<(string Route, Func<Task<HttpResponseMessage>> Call)>
        {
            // A prediction changes no data of the organization (AiInference logs it in ai_predictions, not the audit trail).
            ("POST /api/v1/ai/models/{name}/infer", () => Api.Tests.Ai.AiModelsApiTests.InferAsync(_owner.Client, "audited-model",
                new { inputs = new[] { new { name = "features", datatype = "FP32", shape = new[] { 1, 4 }, data = new float[4] } } })),
            ("POST /api/v1/email/templates/{templateKey}/{culture}/preview", () => Post("/api/v1/email/templates/welcome/en/preview", new { subject = "Hi {{userName}}" })),
        };

        var mutating = RouteTable.Of(_api)
            .Where(r => r.Method is "POST" or "PUT" or "PATCH" or "DELETE" && !r.Pattern.StartsWith("/api/v1/auth/", StringComparison.Ordinal))
            .Select(r => $"{r.Method} {r.Pattern}").ToHashSet();
        var missing = mutating.Except(cases.Select(c => c.Route)).Except(readOnly.Select(c => c.Route)).ToList();
        Assert.IsEmpty(missing, "mutating endpoints without an audit case:\n" + string.Join('\n', missing));

        var failures = new List<string>();
        foreach (var (route, call) in cases)
        {
            _offset = 0;
            var before = await CountAsync();
            var response = await call();
            var written = await CountAsync() - before - _offset;
            if (!response.IsSuccessStatusCode)
            {
                failures.Add($"{route}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
            else if (written != 1)
            {
                failures.Add($"{route}: {written} audit entries");
            }
        }

        foreach (var (route, call) in readOnly)
        {
            var before = await CountAsync();
            var response = await call();
            var written = await CountAsync() - before;
            if (!response.IsSuccessStatusCode || written != 0)
            {
                failures.Add($"{route}: {(int)response.StatusCode}, {written} audit entries (a read-only call writes none)");
            }
        }

        Assert.IsEmpty(failures, string.Join('\n', failures));
        var verification = await _owner.Client.GetFromJsonAsync<JsonElement>("/api/v1/audit/verify");
        Assert.IsTrue(verification.GetProperty("isValid").GetBoolean(), verification.GetRawText());

        HttpResponseMessage Remember(HttpResponseMessage response, string name)
        {
            if (response.StatusCode == HttpStatusCode.Created)
            {
                ids[name] = response.Content.ReadFromJsonAsync<JsonElement>().GetAwaiter().GetResult().GetProperty("id").GetString()!;
            }

            return response;
        }
    }

    /// <summary>Entries a case writes outside its request (arranging an alert), not counted against it.</summary>
    private static long _offset;

    private static Task<HttpResponseMessage> Post(string path, object body) => _owner.Client.PostAsJsonAsync(path, body);

    private static Task<HttpResponseMessage> Put(string path, object? body) =>
        body is null ? _owner.Client.PutAsync(path, null) : _owner.Client.PutAsJsonAsync(path, body);

    private static async Task<long> CountAsync()
    {
        await using var connection = new NpgsqlConnection(_api.Database.SuperuserConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM audit_logs WHERE tenant_id = @t", connection);
        command.Parameters.AddWithValue("t", _owner.OrganizationId);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
