using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using Platform.Access;
using Platform.Messaging;

namespace Api.Tests.Messaging;

/// <summary>Changes made through the Api leave their integration event in the outbox, in the change's transaction.</summary>
[TestClass]
public sealed partial class IntegrationEventsTests
{
    private static ApiFactory _api = null!;
    private static ApiFactory.SignedIn _owner = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        _api = await ApiFactory.CreateAsync("integration-events");
        _owner = await _api.RegisterAndSignInAsync("events-org", "owner@events.test");
    }

    [ClassCleanup]
    public static async Task Stop() => await _api.DisposeAsync();

    [TestMethod]
    public async Task Invitations_api_keys_and_role_changes_publish_their_events_for_the_organization()
    {
        var invited = await _owner.Client.PostAsJsonAsync("/api/v1/invitations", new { email = "new@events.test", roleId = SystemRoles.Viewer.Id });
        var key = await _owner.Client.PostAsJsonAsync("/api/v1/api-keys", new { name = "events", permissions = new[] { Permissions.Users.Read } });
        var created = await key.Content.ReadFromJsonAsync<JsonElement>();
        var keyId = created.GetProperty("apiKey").GetProperty("id").GetString();
        var secret = created.GetProperty("key").GetString()!;
        var revoked = await _owner.Client.DeleteAsync($"/api/v1/api-keys/{keyId}");
        var assigned = await _owner.Client.PutAsync($"/api/v1/users/{_owner.UserId}/roles/{SystemRoles.Admin.Id}", null);
        Assert.AreEqual(HttpStatusCode.Created, invited.StatusCode);
        Assert.AreEqual(HttpStatusCode.NoContent, revoked.StatusCode);
        Assert.IsTrue(assigned.IsSuccessStatusCode, await assigned.Content.ReadAsStringAsync());

        var events = await OutboxAsync(_owner.OrganizationId);

        CollectionAssert.AreEqual(
            new[] { EventTypes.UserInvited, EventTypes.ApiKeyCreated, EventTypes.ApiKeyRevoked, EventTypes.MemberRoleAssigned },
            events.Select(e => e.Type).ToArray());
        Assert.AreEqual("new@events.test", JsonDocument.Parse(events[0].Payload).RootElement.GetProperty("email").GetString());
        Assert.AreEqual(keyId, JsonDocument.Parse(events[1].Payload).RootElement.GetProperty("apiKeyId").GetString());
        Assert.IsFalse(events[1].Payload.Contains(secret[secret.LastIndexOf('.')..], StringComparison.Ordinal), "no secret in an event");
    }

    [TestMethod]
    public void Every_published_type_is_unique_and_fits_the_outbox()
    {
        var types = EventTypes.All.Select(t => t.Type).ToArray();

        Assert.HasCount(types.Length, types.Distinct(StringComparer.Ordinal));
        Assert.IsTrue(types.All(t => OutboxType().IsMatch(t)), string.Join(", ", types));
        Assert.IsTrue(EventTypes.All.All(t => t.Description.Length > 10));
    }

    private static async Task<List<(string Type, string Payload)>> OutboxAsync(Guid organizationId)
    {
        await using var connection = new NpgsqlConnection(_api.Database.OwnerConnectionString);
        await connection.OpenAsync();
        // email.send rows are the email module's own deliveries (routed to the email queue only), not published events.
        await using var command = new NpgsqlCommand("SELECT type, payload::text FROM outbox_messages WHERE tenant_id = $1 AND type <> 'email.send' ORDER BY position", connection)
        {
            Parameters = { new() { Value = organizationId } },
        };
        var events = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            events.Add((reader.GetString(0), reader.GetString(1)));
        }

        return events;
    }

    // The CHECK on outbox_messages.type.
    [GeneratedRegex("^[a-z][a-z0-9_.-]{0,127}$")]
    private static partial Regex OutboxType();
}
