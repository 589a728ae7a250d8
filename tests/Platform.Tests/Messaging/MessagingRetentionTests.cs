using Platform.Messaging;

namespace Platform.Tests.Messaging;

[TestClass]
public sealed class MessagingRetentionTests
{
    private static MessagingDatabase _db = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context) => _db = await MessagingDatabase.CreateAsync("retention");

    [ClassCleanup]
    public static async Task Stop() => await _db.DisposeAsync();

    [TestMethod]
    public async Task Clean_up_removes_only_what_is_done_and_past_retention()
    {
        var tenant = await _db.CreateOrganizationAsync();
        var options = MessagingDatabase.Options(o => o.Routes["retention-events"] = ["*"]);
        var published = IntegrationEvent.Create("customer.created", tenant, new { });
        await _db.WriteEventAsync(tenant, published);
        while (await new OutboxRelay(_db.DataSource, _db.Transport, options).RelayOnceAsync() > 0)
        {
        }

        var handled = await _db.Consumer("retention-worker", "retention-events", options)
            .ProcessOnceAsync((m, ctx, ct) => MessagingDatabase.RecordAsync(m, ctx, "retention-worker", ct));
        var pending = IntegrationEvent.Create("customer.updated", tenant, new { });
        await _db.WriteEventAsync(tenant, pending);
        await _db.Transport.SendAsync("retention-dead", [new OutgoingMessage(Guid.CreateVersion7(), tenant, "x.replayed", "{}"), new OutgoingMessage(Guid.CreateVersion7(), tenant, "x.kept", "{}")]);
        foreach (var message in await _db.Transport.ReceiveAsync("retention-dead", 10, TimeSpan.FromMinutes(1)))
        {
            await _db.Transport.DeadLetterAsync(message, "failed");
        }

        var store = new DeadLetterStore(_db.DataSource, _db.Transport);
        var replayed = (await store.ListAsync(tenant, 10)).Single(l => l.Type == "x.replayed");
        Assert.IsTrue(await store.ReplayAsync(replayed.Id, tenant));

        var removed = await new MessagingRetention(_db.DataSource, options).CleanUpAsync(DateTimeOffset.UtcNow + options.Value.Retention + TimeSpan.FromHours(1));

        Assert.IsGreaterThan(0, handled);
        Assert.IsGreaterThanOrEqualTo(1L, removed.InboxEntries);
        Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM outbox_messages WHERE id = $1", published.Id), "published, it left the outbox");
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM outbox_messages WHERE id = $1", pending.Id), "an unpublished event is kept");
        Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM inbox_messages WHERE consumer = 'retention-worker'"));
        Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM dead_letters WHERE id = $1", replayed.Id));
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM dead_letters WHERE tenant_id = $1 AND type = 'x.kept'", tenant), "a dead letter nobody replayed is kept");
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM queue_messages WHERE queue = 'retention-dead'"), "queued messages are never touched");
    }

    [TestMethod]
    public async Task Nothing_within_retention_is_removed()
    {
        var tenant = await _db.CreateOrganizationAsync();
        var options = MessagingDatabase.Options(o => o.Routes["fresh-events"] = ["*"]);
        var fresh = IntegrationEvent.Create("customer.created", tenant, new { });
        await _db.WriteEventAsync(tenant, fresh);
        while (await new OutboxRelay(_db.DataSource, _db.Transport, options).RelayOnceAsync() > 0)
        {
        }

        // (The queue may also hold what other tests left in the outbox: the route takes every type.)
        await _db.Consumer("fresh-worker", "fresh-events", options)
            .ProcessOnceAsync((m, ctx, ct) => MessagingDatabase.RecordAsync(m, ctx, "fresh-worker", ct));
        var removed = await new MessagingRetention(_db.DataSource, options).CleanUpAsync(DateTimeOffset.UtcNow);

        Assert.AreEqual(0L, removed.InboxEntries);
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM inbox_messages WHERE consumer = 'fresh-worker' AND message_id = $1", fresh.Id));
    }
}
