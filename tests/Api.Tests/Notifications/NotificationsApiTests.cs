using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Platform.Access;
using Platform.Notifications;

namespace Api.Tests.Notifications;

/// <summary>A member's in-app notifications: listed, counted, marked read, streamed live; nobody else's.</summary>
[TestClass]
public sealed class NotificationsApiTests
{
    private static ApiFactory _api = null!;
    private static ApiFactory.SignedIn _owner = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        _api = await ApiFactory.CreateAsync("notifications");
        _owner = await _api.RegisterAndSignInAsync("notified", "owner@notified.test");
    }

    [ClassCleanup]
    public static async Task Stop() => await _api.DisposeAsync();

    [TestMethod]
    public async Task A_member_lists_counts_and_marks_their_notifications_read()
    {
        var member = await MemberAsync("lists");
        var first = await SendAsync(member, "Invoice 7 is overdue");
        var second = await SendAsync(member, "Payment received");

        var page = await member.Client.GetFromJsonAsync<JsonElement>("/api/v1/notifications?limit=10");
        CollectionAssert.AreEqual(new[] { second.Id, first.Id }, page.GetProperty("items").EnumerateArray().Select(n => n.GetProperty("id").GetGuid()).ToArray());
        Assert.AreEqual(2, await UnreadAsync(member));

        Assert.AreEqual(HttpStatusCode.NoContent, (await member.Client.PostAsync($"/api/v1/notifications/{first.Id}/read", null)).StatusCode);
        Assert.AreEqual(HttpStatusCode.NotFound, (await member.Client.PostAsync($"/api/v1/notifications/{first.Id}/read", null)).StatusCode, "already read");
        var unreadOnly = await member.Client.GetFromJsonAsync<JsonElement>("/api/v1/notifications?unreadOnly=true");
        Assert.AreEqual(second.Id, unreadOnly.GetProperty("items").EnumerateArray().Single().GetProperty("id").GetGuid());

        var marked = await member.Client.PostAsJsonAsync("/api/v1/notifications/read", new { ids = (Guid[]?)null });
        Assert.AreEqual(1, (await marked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("marked").GetInt32());
        Assert.AreEqual(0, await UnreadAsync(member));
    }

    [TestMethod]
    public async Task Another_member_of_the_same_organization_sees_and_marks_nothing_of_mine()
    {
        var mine = await MemberAsync("mine");
        var other = await MemberAsync("other");
        var sent = await SendAsync(mine, "Only for me");

        var theirs = await other.Client.GetFromJsonAsync<JsonElement>("/api/v1/notifications");

        Assert.IsFalse(theirs.GetProperty("items").EnumerateArray().Any(n => n.GetProperty("id").GetGuid() == sent.Id));
        Assert.AreEqual(HttpStatusCode.NotFound, (await other.Client.PostAsync($"/api/v1/notifications/{sent.Id}/read", null)).StatusCode);
        Assert.AreEqual(1, await UnreadAsync(mine));
    }

    [TestMethod]
    public async Task The_stream_announces_the_unread_count_then_each_new_notification()
    {
        var member = await MemberAsync("stream");
        await SendAsync(member, "Before connecting");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/notifications/stream");
        using var response = await member.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.AreEqual("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        var ready = await NextEventAsync(reader, timeout.Token);
        await SendAsync(member, "Live one");
        var live = await NextEventAsync(reader, timeout.Token);

        Assert.AreEqual(("ready", 1L), (ready.Event, JsonDocument.Parse(ready.Data).RootElement.GetProperty("unread").GetInt64()));
        Assert.AreEqual("notification", live.Event);
        Assert.AreEqual("Live one", JsonDocument.Parse(live.Data).RootElement.GetProperty("title").GetString());
    }

    [TestMethod]
    public async Task A_type_turned_off_in_app_is_not_delivered_and_other_types_still_are()
    {
        var member = await MemberAsync("prefers");
        var set = await member.Client.PutAsJsonAsync("/api/v1/notifications/preferences", new { type = "workflow.notification", inApp = false, email = false });
        var invalid = await member.Client.PutAsJsonAsync("/api/v1/notifications/preferences", new { type = "Not A Type!", inApp = false, email = false });
        var unknown = await member.Client.PutAsJsonAsync("/api/v1/notifications/preferences", new { type = "marketing.news", inApp = false, email = false });
        Assert.AreEqual(HttpStatusCode.NoContent, set.StatusCode);
        Assert.AreEqual(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.AreEqual(HttpStatusCode.BadRequest, unknown.StatusCode, "a type the platform never sends is refused");
        StringAssert.Contains(await unknown.Content.ReadAsStringAsync(), "marketing.news");

        await using var scope = _api.Services.CreateAsyncScope();
        var notifications = scope.ServiceProvider.GetRequiredService<NotificationService>();
        var muted = await notifications.SendAsync(member.OrganizationId, member.UserId, "workflow.notification", "From a workflow");
        var delivered = await notifications.SendAsync(member.OrganizationId, member.UserId, "workflow.failed", "Nightly sync failed");

        Assert.IsNull(muted);
        Assert.IsNotNull(delivered);
        // Every type is listed, with what it is for; only the one turned off is off.
        var preferences = (await member.Client.GetFromJsonAsync<JsonElement>("/api/v1/notifications/preferences")).EnumerateArray().ToList();
        CollectionAssert.AreEquivalent(Platform.Notifications.NotificationTypes.All.Select(t => t.Type).ToList(), preferences.Select(p => p.GetProperty("type").GetString()).ToList());
        Assert.IsTrue(preferences.All(p => p.GetProperty("description").GetString()!.Length > 0));
        var off = preferences.Where(p => !p.GetProperty("inApp").GetBoolean() || !p.GetProperty("email").GetBoolean()).Select(p => p.GetProperty("type").GetString()).ToList();
        CollectionAssert.AreEqual(new[] { "workflow.notification" }, off);
        Assert.AreEqual(1, await UnreadAsync(member));
    }

    [TestMethod]
    public async Task An_api_key_has_no_inbox()
    {
        var key = await Access.ApiKeyTests.CreateKeyAsync(_api, _owner, "no-inbox", [Permissions.Notifications.Read]);
        using var client = _api.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("X-Api-Key", key);

        Assert.AreEqual(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/notifications")).StatusCode);
    }

    private static async Task<ApiFactory.SignedIn> MemberAsync(string name)
    {
        var email = $"{name}@notified.test";
        var signedUp = await _api.RegisterAndSignInAsync($"notified-{name}", email);
        await TestMembers.AddAsync(_api.Database.SuperuserConnectionString, _owner.OrganizationId, signedUp.UserId, SystemRoles.Viewer);
        var tokens = await _api.LoginAsync(email, signedUp.Password, organization: "notified");
        return signedUp with { OrganizationId = _owner.OrganizationId, Tokens = tokens, Client = _api.Authorized(tokens.AccessToken) };
    }

    private static async Task<Notification> SendAsync(ApiFactory.SignedIn member, string title)
    {
        await using var scope = _api.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<NotificationService>().SendAsync(member.OrganizationId, member.UserId, "test.notice", title))!;
    }

    private static async Task<long> UnreadAsync(ApiFactory.SignedIn member) =>
        (await member.Client.GetFromJsonAsync<JsonElement>("/api/v1/notifications/unread-count")).GetProperty("unread").GetInt64();

    /// <summary>The next event of the stream, skipping keep-alive comments.</summary>
    private static async Task<(string Event, string Data)> NextEventAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        string? name = null;
        string? data = null;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0 && name is not null)
            {
                return (name, data ?? "");
            }

            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line["data: ".Length..];
            }
        }

        throw new EndOfStreamException("The stream ended.");
    }
}
