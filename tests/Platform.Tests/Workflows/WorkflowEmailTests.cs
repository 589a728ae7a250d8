using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Platform.Email;
using Platform.Workflows;
using Platform.Workflows.Actions;

namespace Platform.Tests.Workflows;

/// <summary>The <c>send_email</c> action and the failure notice to a workflow's owner, over real PostgreSQL and a pickup folder.</summary>
[TestClass]
public sealed class WorkflowEmailTests
{
    private static WorkflowDatabase _db = null!;
    private static SideEffectServer _server = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        _db = await WorkflowDatabase.CreateAsync("workflow_email");
        _server = await SideEffectServer.StartAsync();
    }

    [ClassCleanup]
    public static async Task Stop()
    {
        await _server.DisposeAsync();
        await _db.DisposeAsync();
    }

    [TestMethod]
    public async Task A_triggered_workflow_sends_one_email_rendered_with_its_model()
    {
        var tenant = await _db.CreateOrganizationAsync();
        var workflow = await _db.PublishAsync(tenant, WorkflowGraph.Parse("""
            { "nodes": [
                { "id": "start", "type": "trigger.manual" },
                { "id": "mail", "type": "send_email", "config": {
                    "to": "{{ trigger.data.email }}", "template": "member_joined", "culture": "fr",
                    "model": { "memberName": "{{ trigger.data.name }}", "memberEmail": "{{ trigger.data.email }}", "roleName": "Gérant" } } }
              ],
              "edges": [ { "from": "start", "to": "mail" } ] }
            """));

        var started = await _db.StartAsync(tenant, workflow, new JsonObject { ["name"] = "Nadia Benali", ["email"] = "nadia@customer.test" });
        var done = await _db.RunUntilAsync(tenant, started.Id, e => e.Status == WorkflowExecutionStatus.Completed);

        var emailId = Guid.Parse(done.Context["steps"]!["mail"]!["output"]!["emailId"]!.GetValue<string>());
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM email_messages WHERE tenant_id = $1", tenant));
        Assert.AreEqual(1, await _db.CountAsync(
            "SELECT count(*) FROM email_messages WHERE id = $1 AND template = 'member_joined' AND culture = 'fr' AND recipient = 'nadia@customer.test' AND status = 'queued' AND idempotency_key = $2",
            emailId, SendEmailAction.IdempotencyPrefix + WorkflowActionContext.IdempotencyKeyFor(started.Id, "mail")));
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM outbox_messages WHERE id = $1 AND type = 'email.send'", emailId), "queued for the Workers");
        Assert.AreEqual(1, await _db.CountAsync(
            "SELECT count(*) FROM email_messages WHERE id = $1 AND text_body LIKE '%Nadia Benali%' AND text_body LIKE '%nadia@customer.test%' AND text_body LIKE '%Gérant%'", emailId),
            "rendered with the model, templates evaluated");

        // Delivered as the Workers' email consumer would: the pickup folder holds the rendered email.
        Assert.AreEqual(EmailStatus.Sent, await _db.Services.GetRequiredService<EmailDispatcher>().DeliverAsync(tenant, emailId, final: false));
        var mail = await File.ReadAllTextAsync(Directory.GetFiles(_db.MailFolder, "*.eml").Single(f => File.ReadAllText(f).Contains("nadia@customer.test", StringComparison.Ordinal)));
        StringAssert.Contains(mail, "To: nadia@customer.test");
        StringAssert.Contains(mail, "Nadia Benali");
    }

    [TestMethod]
    public async Task A_step_run_twice_with_the_same_idempotency_key_queues_one_email()
    {
        var tenant = await _db.CreateOrganizationAsync();
        var execution = Guid.NewGuid();
        var action = _db.Services.GetServices<IWorkflowAction>().OfType<SendEmailAction>().Single();
        var config = new JsonObject
        {
            ["to"] = "ops@customer.test",
            ["template"] = EmailTemplates.MemberJoined,
            ["model"] = new JsonObject { ["memberName"] = "Ada", ["memberEmail"] = "ada@customer.test", ["roleName"] = "Admin" },
        };

        var ids = new List<string>();
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            // The second attempt is the step run again after its Worker died, before the step was committed.
            await using var scope = _db.Services.CreateAsyncScope();
            var context = new WorkflowActionContext(tenant, execution, "mail", attempt, null, config.DeepClone().AsObject(), [], scope.ServiceProvider);
            var result = await action.ExecuteAsync(context, CancellationToken.None);
            ids.Add(result.Output!["emailId"]!.GetValue<string>());
        }

        Assert.AreEqual(ids[0], ids[1], "the repeat returns the email already queued");
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM email_messages WHERE tenant_id = $1", tenant));
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM outbox_messages WHERE tenant_id = $1 AND type = 'email.send'", tenant));

        // Another step (another key) of the same execution is another email.
        await using (var scope = _db.Services.CreateAsyncScope())
        {
            await action.ExecuteAsync(new WorkflowActionContext(tenant, execution, "mail2", 1, null, config.DeepClone().AsObject(), [], scope.ServiceProvider), CancellationToken.None);
        }

        Assert.AreEqual(2, await _db.CountAsync("SELECT count(*) FROM email_messages WHERE tenant_id = $1", tenant));
    }

    [TestMethod]
    public void Validation_points_at_the_send_email_nodes_at_fault()
    {
        var errors = _db.Services.GetRequiredService<WorkflowValidator>().Validate(WorkflowGraph.Parse("""
            { "nodes": [
                { "id": "start", "type": "trigger.manual" },
                { "id": "missing", "type": "send_email", "config": { "to": "{{ trigger.data.email }}", "template": "member_joined", "model": { "memberName": "{{ trigger.data.name }}" } } },
                { "id": "unknown", "type": "send_email", "config": { "to": "a@b.test", "template": "ransom_note", "model": {} } },
                { "id": "phishing", "type": "send_email", "config": { "to": "a@b.test", "template": "password_reset", "model": { "userName": "A", "resetUrl": "https://evil.test", "expiresInMinutes": "30" } } },
                { "id": "bad", "type": "send_email", "config": { "to": "not an address", "template": "member_joined", "culture": "de",
                    "model": { "memberName": "A", "memberEmail": "a@b.test", "roleName": "R", "extra": "x" } } },
                { "id": "fine", "type": "send_email", "config": { "to": "ops@customer.test", "template": "member_joined", "culture": "ar",
                    "model": { "memberName": "{{ trigger.data.name }}", "memberEmail": "{{ trigger.data.email }}", "roleName": "Admin" } } }
              ],
              "edges": [ { "from": "start", "to": "missing" }, { "from": "missing", "to": "unknown" }, { "from": "unknown", "to": "phishing" }, { "from": "phishing", "to": "bad" }, { "from": "bad", "to": "fine" } ] }
            """));

        StringAssert.Contains(string.Join(" ", errors["nodes.missing"]), "needs memberEmail, roleName");
        StringAssert.Contains(string.Join(" ", errors["nodes.unknown"]), "template: one of");
        // The platform's own account and security emails are not a workflow's to send (nor offered as choices).
        var phishing = string.Join(" ", errors["nodes.phishing"]);
        StringAssert.Contains(phishing, "template: one of");
        Assert.IsFalse(phishing.Contains("password_reset", StringComparison.Ordinal), phishing);
        var bad = string.Join(" ", errors["nodes.bad"]);
        StringAssert.Contains(bad, "to: one email address");
        StringAssert.Contains(bad, "culture: one of en, ar, fr");
        StringAssert.Contains(bad, "no variable extra");
        Assert.IsFalse(errors.ContainsKey("nodes.fine"), errors.TryGetValue("nodes.fine", out var fine) ? string.Join(" ", fine) : string.Empty);
    }

    [TestMethod]
    public async Task A_failed_execution_tells_its_owner_in_app_and_by_email()
    {
        var tenant = await _db.CreateOrganizationAsync();
        var owner = await OwnerAsync(tenant, "owner@customer.test");
        var run = Guid.NewGuid().ToString("N");
        var workflow = await _db.PublishAsync(tenant, FailingGraph(run), owner);
        var started = await _db.StartAsync(tenant, workflow);

        var failed = await _db.RunUntilAsync(tenant, started.Id, e => e.Status == WorkflowExecutionStatus.Failed);
        Assert.AreEqual(2, _server.Count($"/fail/{run}"), "told only once every retry was spent");

        Assert.AreEqual(1, await _db.CountAsync(
            "SELECT count(*) FROM notifications WHERE tenant_id = $1 AND user_id = $2 AND type = 'workflow.failed' AND title LIKE 'Workflow ''Test %'' failed' AND link = $3 AND body LIKE '%500%'",
            tenant, owner, $"/workflows/executions/{started.Id}"));
        Assert.AreEqual(1, await _db.CountAsync(
            "SELECT count(*) FROM email_messages WHERE tenant_id = $1 AND template = 'workflow_failed' AND recipient = 'owner@customer.test' AND text_body LIKE '%' || $2 || '%' AND text_body LIKE '%answered 500%' AND html_body LIKE '%https://app.acme.test/workflows/executions/%'",
            tenant, started.Id.ToString()));
        StringAssert.Contains(failed.Error, "500");
    }

    [TestMethod]
    public async Task The_failure_notice_follows_the_owners_preferences_and_needs_an_owner()
    {
        var tenant = await _db.CreateOrganizationAsync();
        var owner = await OwnerAsync(tenant, "quiet@customer.test");
        await _db.ExecuteAsync("INSERT INTO notification_preferences (tenant_id, user_id, type, in_app, email) VALUES ($1, $2, 'workflow.failed', true, false)", tenant, owner);
        var run = Guid.NewGuid().ToString("N");
        var owned = await _db.StartAsync(tenant, await _db.PublishAsync(tenant, FailingGraph(run), owner));
        await _db.RunUntilAsync(tenant, owned.Id, e => e.Status == WorkflowExecutionStatus.Failed);
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM notifications WHERE tenant_id = $1 AND user_id = $2 AND type = 'workflow.failed'", tenant, owner));
        Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM email_messages WHERE tenant_id = $1", tenant), "the owner turned the email off");

        // Made by an API key: no owner, nobody to tell.
        var orphan = await _db.StartAsync(tenant, await _db.PublishAsync(tenant, FailingGraph(Guid.NewGuid().ToString("N"))));
        await _db.RunUntilAsync(tenant, orphan.Id, e => e.Status == WorkflowExecutionStatus.Failed);
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM notifications WHERE tenant_id = $1", tenant));
    }

    private static WorkflowGraph FailingGraph(string run) => WorkflowGraph.Parse($$$"""
        { "nodes": [ { "id": "start", "type": "trigger.manual" },
            { "id": "call", "type": "http.request", "config": { "url": "{{{_server.Url($"/fail/{run}")}}}" }, "retry": { "maxAttempts": 2, "initialIntervalSeconds": 0.05, "coefficient": 1 } } ],
          "edges": [ { "from": "start", "to": "call" } ] }
        """);

    private static async Task<Guid> OwnerAsync(Guid tenant, string email)
    {
        var owner = await _db.CreateMemberAsync(tenant);
        await _db.ExecuteAsync("UPDATE users SET email = $2, normalized_email = upper($2), display_name = 'Owner' WHERE id = $1", owner, email);
        return owner;
    }
}
