using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Platform.Access;
using Platform.Workflows;

namespace Api.Tests.Workflows;

[TestClass]
public sealed class WorkflowsApiTests
{
    private static ApiFactory _api = null!;
    private static ApiFactory.SignedIn _owner = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        _api = await ApiFactory.CreateAsync("workflows_api");
        _owner = await _api.RegisterAndSignInAsync("flows", "owner@flows.test");
    }

    [ClassCleanup]
    public static async Task Stop() => await _api.DisposeAsync();

    public static object Graph(string trigger = "trigger.manual") => new
    {
        nodes = new object[]
        {
            new { id = "start", type = trigger },
            new { id = "remember", type = "set_variable", config = new { name = "who", value = "{{ trigger.data.name }}" } },
        },
        edges = new[] { new { from = "start", to = "remember" } },
    };

    [TestMethod]
    public async Task An_invalid_graph_is_a_422_problem_naming_each_node_at_fault()
    {
        var response = await _owner.Client.PostAsJsonAsync("/api/v1/workflows", new
        {
            name = "Broken",
            graph = new
            {
                nodes = new object[]
                {
                    new { id = "start", type = "trigger.manual" },
                    new { id = "wait", type = "delay", config = new { } },
                    new { id = "orphan", type = "set_variable", config = new { name = "x", value = 1 } },
                },
                edges = new[] { new { from = "start", to = "wait" } },
            },
        });

        Assert.AreEqual(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.AreEqual("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.AreEqual("invalid_workflow", problem.GetProperty("code").GetString());
        StringAssert.Contains(problem.GetProperty("errors").GetProperty("nodes.wait")[0].GetString(), "seconds");
        StringAssert.Contains(problem.GetProperty("errors").GetProperty("nodes.orphan")[0].GetString(), "orphan");
        var nodeIds = problem.GetProperty("nodeErrors").EnumerateArray().Select(e => e.GetProperty("nodeId").GetString()).ToHashSet();
        CollectionAssert.AreEquivalent(new[] { "wait", "orphan" }, nodeIds.ToArray());
    }

    [TestMethod]
    public async Task A_send_email_step_is_checked_against_its_template_when_saved()
    {
        object Mail(string template, object model) => new
        {
            name = "Mailer",
            graph = new
            {
                nodes = new object[]
                {
                    new { id = "start", type = "trigger.manual" },
                    new { id = "mail", type = "send_email", config = new { to = "{{ trigger.data.email }}", template, model } },
                },
                edges = new[] { new { from = "start", to = "mail" } },
            },
        };

        var missing = await _owner.Client.PostAsJsonAsync("/api/v1/workflows", Mail("member_joined", new { memberName = "{{ trigger.data.name }}" }));
        Assert.AreEqual(HttpStatusCode.UnprocessableEntity, missing.StatusCode);
        StringAssert.Contains((await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("nodes.mail")[0].GetString(), "needs memberEmail, roleName");

        var unknown = await _owner.Client.PostAsJsonAsync("/api/v1/workflows", Mail("no_such_template", new { }));
        Assert.AreEqual(HttpStatusCode.UnprocessableEntity, unknown.StatusCode);
        StringAssert.Contains((await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("nodes.mail")[0].GetString(), "template: one of");

        var sound = await _owner.Client.PostAsJsonAsync("/api/v1/workflows", Mail("member_joined", new { memberName = "{{ trigger.data.name }}", memberEmail = "{{ trigger.data.email }}", roleName = "Member" }));
        Assert.AreEqual(HttpStatusCode.Created, sound.StatusCode, await sound.Content.ReadAsStringAsync());
    }

    [TestMethod]
    public async Task Draft_publish_start_and_inspect_a_workflow_through_the_api()
    {
        var created = await _owner.Client.PostAsJsonAsync("/api/v1/workflows", new { name = "Greeter", description = "says hi", graph = Graph() });
        Assert.AreEqual(HttpStatusCode.Created, created.StatusCode, await created.Content.ReadAsStringAsync());
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        var unpublished = await _owner.Client.PostAsJsonAsync($"/api/v1/workflows/{id}/executions", new { input = new { name = "Ada" } });
        Assert.AreEqual(HttpStatusCode.Conflict, unpublished.StatusCode);
        Assert.AreEqual("workflow_not_published", (await unpublished.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());

        var published = await _owner.Client.PostAsync($"/api/v1/workflows/{id}/publish", null);
        Assert.AreEqual(1, (await published.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetProperty("version").GetInt32());
        var started = await _owner.Client.PostAsJsonAsync($"/api/v1/workflows/{id}/executions", new { input = new { name = "Ada" } });
        Assert.AreEqual(HttpStatusCode.Accepted, started.StatusCode);
        var executionId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        await _owner.Client.PostAsJsonAsync($"/api/v1/workflows/{id}/executions", new { input = new { name = "Bob" } });

        // The Api's own runner (the Workers' one in production) takes it through.
        await _api.Services.GetRequiredService<WorkflowRunner>().RunDueAsync();
        var execution = await _owner.Client.GetFromJsonAsync<JsonElement>($"/api/v1/workflows/executions/{executionId}");
        Assert.AreEqual("completed", execution.GetProperty("status").GetString());
        Assert.AreEqual("Ada", execution.GetProperty("context").GetProperty("vars").GetProperty("who").GetString());
        Assert.AreEqual("remember", execution.GetProperty("steps")[0].GetProperty("nodeId").GetString());

        var firstPage = await _owner.Client.GetFromJsonAsync<JsonElement>($"/api/v1/workflows/{id}/executions?limit=1&status=completed");
        Assert.AreEqual(1, firstPage.GetProperty("items").GetArrayLength());
        var cursor = firstPage.GetProperty("nextCursor").GetString();
        var secondPage = await _owner.Client.GetFromJsonAsync<JsonElement>($"/api/v1/workflows/{id}/executions?limit=1&status=completed&cursor={cursor}");
        Assert.AreEqual(1, secondPage.GetProperty("items").GetArrayLength());
        Assert.AreNotEqual(firstPage.GetProperty("items")[0].GetProperty("id").GetString(), secondPage.GetProperty("items")[0].GetProperty("id").GetString());
        Assert.AreEqual(JsonValueKind.Null, secondPage.GetProperty("nextCursor").ValueKind);
        Assert.AreEqual(HttpStatusCode.BadRequest, (await _owner.Client.GetAsync($"/api/v1/workflows/{id}/executions?status=exploded")).StatusCode);
        Assert.AreEqual(0, (await _owner.Client.GetFromJsonAsync<JsonElement>($"/api/v1/workflows/{id}/executions?status=failed")).GetProperty("items").GetArrayLength());

        var versions = await _owner.Client.GetFromJsonAsync<JsonElement>($"/api/v1/workflows/{id}/versions");
        Assert.AreEqual(1, versions.GetArrayLength());
    }

    [TestMethod]
    public async Task The_inbound_webhook_needs_its_token_and_is_anonymous()
    {
        var created = await _owner.Client.PostAsJsonAsync("/api/v1/workflows", new { name = "Hooked", graph = Graph("trigger.webhook") });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var published = await (await _owner.Client.PostAsync($"/api/v1/workflows/{id}/publish", null)).Content.ReadFromJsonAsync<JsonElement>();
        var token = published.GetProperty("hookToken").GetString();
        var url = published.GetProperty("hookUrl").GetString();
        Assert.AreEqual($"/api/v1/workflows/hooks/{id}", url);

        using var anonymous = _api.CreateClient();
        using var wrong = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(new { name = "Eve" }) };
        wrong.Headers.Add("X-Workflow-Token", "wfh_guess");
        Assert.AreEqual(HttpStatusCode.NotFound, (await anonymous.SendAsync(wrong)).StatusCode);
        using var right = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(new { name = "Grace" }) };
        right.Headers.Add("X-Workflow-Token", token);
        var accepted = await anonymous.SendAsync(right);
        Assert.AreEqual(HttpStatusCode.Accepted, accepted.StatusCode);
        var executionId = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("executionId").GetString();
        var execution = await _owner.Client.GetFromJsonAsync<JsonElement>($"/api/v1/workflows/executions/{executionId}");
        Assert.AreEqual("Grace", execution.GetProperty("context").GetProperty("trigger").GetProperty("data").GetProperty("name").GetString());
    }

    [TestMethod]
    public async Task Node_types_list_the_triggers_and_every_registered_action_with_ports_and_settings()
    {
        var types = await _owner.Client.GetFromJsonAsync<JsonElement>("/api/v1/workflows/node-types");

        var byType = types.EnumerateArray().ToDictionary(t => t.GetProperty("type").GetString()!);
        CollectionAssert.IsSubsetOf(new[] { "trigger.manual", "trigger.event", "trigger.cron", "trigger.webhook" }, byType.Keys.ToArray());
        var registry = _api.Services.GetRequiredService<WorkflowActionRegistry>();
        CollectionAssert.IsSubsetOf(registry.Types.ToArray(), byType.Keys.ToArray());
        Assert.AreEqual("trigger", byType["trigger.manual"].GetProperty("kind").GetString());
        Assert.AreEqual("action", byType["set_variable"].GetProperty("kind").GetString());
        CollectionAssert.AreEqual(new[] { "true", "false" }, byType["condition"].GetProperty("outputPorts").EnumerateArray().Select(p => p.GetString()).ToArray());
        var settings = byType["set_variable"].GetProperty("settings").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);
        Assert.AreEqual("text", settings["name"].GetProperty("kind").GetString());
        Assert.AreEqual("json", settings["value"].GetProperty("kind").GetString());
        Assert.IsTrue(settings["value"].GetProperty("required").GetBoolean());
        Assert.AreEqual("cron", byType["trigger.cron"].GetProperty("settings")[0].GetProperty("name").GetString());
    }

    [TestMethod]
    public async Task A_viewer_reads_workflows_but_cannot_change_or_run_them()
    {
        var created = await _owner.Client.PostAsJsonAsync("/api/v1/workflows", new { name = "Guarded", graph = Graph() });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var viewer = await _api.RegisterAndSignInAsync("flows-viewer", "viewer@flows.test");
        await TestMembers.AddAsync(_api.Database.SuperuserConnectionString, _owner.OrganizationId, viewer.UserId, SystemRoles.Viewer);
        using var client = _api.Authorized((await _api.LoginAsync(viewer.Email, viewer.Password, "flows")).AccessToken);

        Assert.AreEqual(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/workflows/{id}")).StatusCode);
        Assert.AreEqual(HttpStatusCode.OK, (await client.GetAsync("/api/v1/workflows/node-types")).StatusCode);
        Assert.AreEqual(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync("/api/v1/workflows", new { name = "Mine", graph = Graph() })).StatusCode);
        Assert.AreEqual(HttpStatusCode.Forbidden, (await client.PostAsync($"/api/v1/workflows/{id}/publish", null)).StatusCode);
        Assert.AreEqual(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync($"/api/v1/workflows/{id}/executions", new { input = new { } })).StatusCode);
        Assert.AreEqual(HttpStatusCode.Forbidden, (await client.DeleteAsync($"/api/v1/workflows/{id}")).StatusCode);
    }
}
