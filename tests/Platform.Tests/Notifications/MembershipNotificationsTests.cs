using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Platform.Audit;
using Platform.Messaging;
using Platform.Notifications;
using Platform.Tests.Caching;
using Platform.Tests.Messaging;

namespace Platform.Tests.Notifications;

/// <summary>A role change travels outbox → relay → queue → consumer and becomes one notification for the member, announced live.</summary>
[TestClass]
public sealed class MembershipNotificationsTests
{
    private static MessagingDatabase _db = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context) => _db = await MessagingDatabase.CreateAsync("membership-notifications");

    [ClassCleanup]
    public static async Task Stop() => await _db.DisposeAsync();

    [TestMethod]
    public async Task A_role_change_notifies_its_member_once_even_when_the_event_comes_twice()
    {
        var tenant = await _db.CreateOrganizationAsync();
        var member = await CreateMemberAsync(tenant);
        await using var redis = await RedisTestServers.SharedClientAsync();
        await using var live = await redis.SubscribeAsync(NotificationService.Channel(tenant, member));
        var notifications = new NotificationService(_db.DataSource, redis, new AuditWriter(TimeProvider.System), new RequestOrigin(), NullLogger<NotificationService>.Instance);
        var handler = new MembershipNotifications(notifications);
        var options = MessagingDatabase.Options();
        var consumer = _db.Consumer(MembershipNotifications.Consumer, MembershipNotifications.Consumer, options);
        var assigned = IntegrationEvent.Create(EventTypes.MemberRoleAssigned, tenant, new { userId = member, roleId = Guid.NewGuid(), role = "Cashier" });
        await _db.WriteEventAsync(tenant, assigned);

        Assert.AreEqual(1, await new OutboxRelay(_db.DataSource, _db.Transport, options).RelayOnceAsync());
        Assert.AreEqual(1, await consumer.ProcessOnceAsync(handler.HandleAsync));
        // The same event again (a relay that resent it): delivered, but its member is not notified twice.
        await _db.Transport.SendAsync(MembershipNotifications.Consumer, [new OutgoingMessage(assigned.Id, tenant, assigned.Type, assigned.Payload)]);
        Assert.AreEqual(1, await consumer.ProcessOnceAsync(handler.HandleAsync));

        var inbox = await notifications.ListAsync(tenant, member, 10);
        Assert.AreEqual("You were given the role Cashier.", inbox.Single().Title);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        StringAssert.Contains((await live.Messages.ReadAsync(timeout.Token)).PayloadText, "Cashier");
    }

    private static async Task<Guid> CreateMemberAsync(Guid tenant)
    {
        var id = Guid.NewGuid();
        await using var owner = new NpgsqlConnection(_db.Database.OwnerConnectionString);
        await owner.OpenAsync();
        await using var batch = new NpgsqlBatch(owner)
        {
            BatchCommands =
            {
                new("INSERT INTO users (id, user_name, normalized_user_name) VALUES ($1, $2, upper($2))") { Parameters = { new() { Value = id }, new() { Value = $"{id:N}@members.test" } } },
                new("INSERT INTO organization_members (tenant_id, user_id) VALUES ($1, $2)") { Parameters = { new() { Value = tenant }, new() { Value = id } } },
            },
        };
        await batch.ExecuteNonQueryAsync();
        return id;
    }
}
