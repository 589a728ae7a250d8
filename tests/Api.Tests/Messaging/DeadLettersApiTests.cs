using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Platform.Access;
using Platform.Messaging;

namespace Api.Tests.Messaging;

/// <summary>An organization's failed messages through the Api: listed, inspected, replayed once, behind their permissions.</summary>
[TestClass]
public sealed class DeadLettersApiTests
{
    private static ApiFactory _api = null!;
    private static ApiFactory.SignedIn _owner = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        _api = await ApiFactory.CreateAsync("dead-letters");
        _owner = await _api.RegisterAndSignInAsync("dead-letters", "owner@dead.test");
    }

    [ClassCleanup]
    public static async Task Stop() => await _api.DisposeAsync();

    [TestMethod]
    public async Task An_admin_lists_inspects_and_replays_a_failed_message_once()
    {
        var messageId = await FailMessageAsync("invoice.overdue", """{"invoice":7}""");

        var page = await _owner.Client.GetFromJsonAsync<JsonElement>("/api/v1/dead-letters?limit=10");
        var listed = page.GetProperty("items").EnumerateArray().Single(l => l.GetProperty("messageId").GetGuid() == messageId);
        var id = listed.GetProperty("id").GetGuid();
        var one = await _owner.Client.GetFromJsonAsync<JsonElement>($"/api/v1/dead-letters/{id}");
        Assert.AreEqual("invoice.overdue", one.GetProperty("type").GetString());
        Assert.AreEqual("handler failed: no such invoice", one.GetProperty("lastError").GetString());
        StringAssert.Contains(one.GetProperty("payload").GetString(), "\"invoice\": 7");

        var replayed = await _owner.Client.PostAsync($"/api/v1/dead-letters/{id}/replay", null);
        var again = await _owner.Client.PostAsync($"/api/v1/dead-letters/{id}/replay", null);

        Assert.AreEqual(HttpStatusCode.Accepted, replayed.StatusCode);
        Assert.AreEqual(HttpStatusCode.Conflict, again.StatusCode);
        Assert.AreEqual("already_replayed", (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        var requeued = await _api.Services.GetRequiredService<PostgresQueueTransport>().ReceiveAsync("api-events", 10, TimeSpan.FromMinutes(1));
        Assert.AreEqual(messageId, requeued.Single().MessageId);
        Assert.AreEqual(1, requeued.Single().Attempts, "a replay starts its attempts afresh");
    }

    [TestMethod]
    public async Task A_viewer_cannot_see_or_replay_failed_messages()
    {
        var viewer = await _api.RegisterAndSignInAsync("dead-letters-viewer", "viewer@dead.test");
        await TestMembers.AddAsync(_api.Database.SuperuserConnectionString, _owner.OrganizationId, viewer.UserId, SystemRoles.Viewer);
        var tokens = await _api.LoginAsync("viewer@dead.test", viewer.Password, organization: "dead-letters");
        var client = _api.Authorized(tokens.AccessToken);
        var id = Guid.NewGuid();

        Assert.AreEqual(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/dead-letters")).StatusCode);
        Assert.AreEqual(HttpStatusCode.Forbidden, (await client.PostAsync($"/api/v1/dead-letters/{id}/replay", null)).StatusCode);
    }

    [TestMethod]
    public async Task A_bad_cursor_or_limit_is_a_validation_problem()
    {
        var badCursor = await _owner.Client.GetAsync("/api/v1/dead-letters?cursor=not-a-cursor");
        var badLimit = await _owner.Client.GetAsync("/api/v1/dead-letters?limit=0");

        Assert.AreEqual(HttpStatusCode.BadRequest, badCursor.StatusCode);
        Assert.AreEqual(HttpStatusCode.BadRequest, badLimit.StatusCode);
        Assert.IsTrue((await badCursor.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("cursor", out _));
    }

    /// <summary>Sends a message of the organization and gives up on it, as a consumer does after its last attempt.</summary>
    private static async Task<Guid> FailMessageAsync(string type, string payload)
    {
        var queue = _api.Services.GetRequiredService<PostgresQueueTransport>();
        var message = new OutgoingMessage(Guid.CreateVersion7(), _owner.OrganizationId, type, payload);
        await queue.SendAsync("api-events", [message]);
        var claimed = (await queue.ReceiveAsync("api-events", 1, TimeSpan.FromMinutes(1))).Single();
        Assert.IsTrue(await queue.DeadLetterAsync(claimed, "handler failed: no such invoice"));
        return message.MessageId;
    }
}
