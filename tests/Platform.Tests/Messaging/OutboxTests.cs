using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Messaging;

namespace Platform.Tests.Messaging;

/// <summary>Events written with their change, relayed after commit, never lost and never handled twice.</summary>
[TestClass]
public sealed class OutboxTests
{
    private static MessagingDatabase _db = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context) => _db = await MessagingDatabase.CreateAsync("outbox");

    [ClassCleanup]
    public static async Task Stop() => await _db.DisposeAsync();

    [TestMethod]
    public async Task An_event_of_a_rolled_back_change_is_never_published_and_a_committed_one_is_published_once()
    {
        var tenant = await _db.CreateOrganizationAsync();
        var options = Routed("rollback-events");
        var rolledBack = IntegrationEvent.Create("customer.created", tenant, new { name = "Never" });
        var committed = IntegrationEvent.Create("customer.created", tenant, new { name = "Ada" });
        await _db.WriteEventAsync(tenant, rolledBack, commit: false);
        await _db.WriteEventAsync(tenant, committed, commit: true);

        var relay = new OutboxRelay(_db.DataSource, _db.Transport, options);
        while (await relay.RelayOnceAsync() > 0)
        {
        }

        var queued = await _db.Transport.ReceiveAsync("rollback-events", 10, TimeSpan.FromMinutes(1));
        Assert.AreEqual(committed.Id, queued.Single().MessageId);
        Assert.AreEqual(tenant, queued.Single().TenantId);
        StringAssert.Contains(queued.Single().Payload, "Ada");
        Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM outbox_messages WHERE id = $1", rolledBack.Id));
        Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM outbox_messages WHERE id = $1", committed.Id), "published events leave the outbox");
    }

    [TestMethod]
    public async Task A_running_relay_publishes_an_event_committed_while_it_was_idle_within_its_poll()
    {
        var tenant = await _db.CreateOrganizationAsync();
        var options = Routed("idle-events");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var running = Task.Run(() => new OutboxRelay(_db.DataSource, _db.Transport, options).RunAsync(stop.Token));
        await Task.Delay(200); // the relay found nothing and is napping

        var integrationEvent = IntegrationEvent.Create("customer.created", tenant, new { name = "Grace" });
        await _db.WriteEventAsync(tenant, integrationEvent);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (await _db.CountAsync("SELECT count(*) FROM queue_messages WHERE message_id = $1", integrationEvent.Id) == 0 && !stop.IsCancellationRequested)
        {
            await Task.Delay(5);
        }

        var published = clock.Elapsed;
        // Stopped once the event left the outbox too: stopped earlier, it would leave the event for a later relay to send again.
        while (await _db.CountAsync("SELECT count(*) FROM outbox_messages WHERE id = $1", integrationEvent.Id) > 0 && !stop.IsCancellationRequested)
        {
            await Task.Delay(5);
        }

        await stop.CancelAsync();
        await running;
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM queue_messages WHERE message_id = $1", integrationEvent.Id));
        // The poll is 20 ms; a generous bound keeps a busy machine from failing it while a 500 ms nap still would.
        Assert.IsTrue(published < TimeSpan.FromMilliseconds(400), $"published after {published.TotalMilliseconds:0} ms");
    }

    [TestMethod]
    public async Task A_relay_that_dies_after_sending_sends_again_and_the_consumer_still_handles_the_event_once()
    {
        var tenant = await _db.CreateOrganizationAsync();
        var options = Routed("crash-events");
        var integrationEvent = IntegrationEvent.Create("invoice.overdue", tenant, new { invoice = 42 });
        await _db.WriteEventAsync(tenant, integrationEvent, commit: true);
        var consumer = _db.Consumer("crash-worker", "crash-events");
        Task Handle(ReceivedMessage m, ConsumeContext ctx, CancellationToken ct) => MessagingDatabase.RecordAsync(m, ctx, "crash-worker", ct);

        // With a broker, the send reaches the queue, then the relay's database connection is killed before its
        // transaction removes the event from the outbox (as when its process dies).
        var dying = new OutboxRelay(_db.DataSource, new ConnectionKilledAfterSending(_db.Transport, _db.Database.SuperuserConnectionString), options);
        await Assert.ThrowsAsync<NpgsqlException>(() => dying.RelayOnceAsync());
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM outbox_messages WHERE id = $1", integrationEvent.Id));

        // The message is consumed meanwhile; the restarted relay publishes the same event again.
        Assert.AreEqual(1, await consumer.ProcessOnceAsync(Handle));
        var relay = new OutboxRelay(_db.DataSource, _db.Transport, options);
        Assert.AreEqual(1, await relay.RelayOnceAsync());
        Assert.AreEqual(1, await consumer.ProcessOnceAsync(Handle), "the duplicate is delivered...");

        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM handled WHERE message_id = $1", integrationEvent.Id), "...but handled once");
        Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM queue_messages WHERE message_id = $1", integrationEvent.Id));
        Assert.AreEqual(0, await relay.RelayOnceAsync());
    }

    [TestMethod]
    public async Task A_relay_killed_while_moving_events_to_the_queue_leaves_them_in_the_outbox_and_the_next_one_delivers_them_once()
    {
        var tenant = await _db.CreateOrganizationAsync();
        const string Queue = "killed-forward";
        var options = Routed(Queue);
        var integrationEvent = IntegrationEvent.Create("invoice.overdue", tenant, new { invoice = 7 });
        await _db.WriteEventAsync(tenant, integrationEvent, commit: true);
        await using var admin = new NpgsqlConnection(_db.Database.SuperuserConnectionString);
        await admin.OpenAsync();
        // Holds the move inside its statement, after the outbox rows were deleted and while the queue rows are being inserted.
        await ExecuteAsync(admin, $"""
            CREATE FUNCTION test_stall_forward() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(30); RETURN NEW; END $$;
            CREATE TRIGGER test_stall_forward BEFORE INSERT ON queue_messages FOR EACH ROW WHEN (NEW.queue = '{Queue}') EXECUTE FUNCTION test_stall_forward();
            """);
        try
        {
            var dying = Task.Run(() => new OutboxRelay(_db.DataSource, _db.Transport, options).RelayOnceAsync());
            long killed = 0;
            for (var tries = 0; killed == 0 && tries < 200; tries++)
            {
                await Task.Delay(50);
                await using var kill = new NpgsqlCommand(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'PgSleep' AND query LIKE '%DELETE FROM outbox_messages%'",
                    admin);
                killed = (long)(await kill.ExecuteScalarAsync())!;
            }

            Assert.AreEqual(1L, killed, "the relay was killed in the middle of its move");
            await Assert.ThrowsAsync<NpgsqlException>(() => dying);
        }
        finally
        {
            await ExecuteAsync(admin, "DROP TRIGGER test_stall_forward ON queue_messages; DROP FUNCTION test_stall_forward();");
        }

        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM outbox_messages WHERE id = $1", integrationEvent.Id), "still in the outbox");
        Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM queue_messages WHERE message_id = $1", integrationEvent.Id));

        var relay = new OutboxRelay(_db.DataSource, _db.Transport, options);
        Assert.AreEqual(1, await relay.RelayOnceAsync());
        Assert.AreEqual(0, await relay.RelayOnceAsync());
        var consumer = _db.Consumer("killed-forward-worker", Queue);
        Assert.AreEqual(1, await consumer.ProcessOnceAsync((m, ctx, ct) => MessagingDatabase.RecordAsync(m, ctx, "killed-forward-worker", ct)));
        Assert.AreEqual(0, await consumer.ProcessOnceAsync((m, ctx, ct) => MessagingDatabase.RecordAsync(m, ctx, "killed-forward-worker", ct)));
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM handled WHERE message_id = $1", integrationEvent.Id));
    }

    [TestMethod]
    public async Task An_event_the_relay_moves_wakes_a_consumer_waiting_on_its_queue()
    {
        const string Queue = "forward-wakeup";
        var tenant = await _db.CreateOrganizationAsync();
        await _db.Transport.WaitAsync(Queue, TimeSpan.FromMilliseconds(300)); // starts listening
        var waiting = _db.Transport.WaitAsync(Queue, TimeSpan.FromSeconds(30));
        var waited = System.Diagnostics.Stopwatch.StartNew();

        await _db.WriteEventAsync(tenant, IntegrationEvent.Create("customer.created", tenant, new { }));
        Assert.IsGreaterThanOrEqualTo(1, await new OutboxRelay(_db.DataSource, _db.Transport, Routed(Queue)).RelayOnceAsync());
        await waiting;

        Assert.IsLessThan(TimeSpan.FromSeconds(10), waited.Elapsed, "woken by the move's notification, not by the 30 s timeout");
    }

    [TestMethod]
    public async Task Events_go_to_every_queue_whose_route_matches_their_type()
    {
        var tenant = await _db.CreateOrganizationAsync();
        var options = Microsoft.Extensions.Options.Options.Create(new MessagingOptions
        {
            Routes = new(StringComparer.Ordinal) { ["route-billing"] = ["invoice.*"], ["route-crm"] = ["customer.created"], ["route-audit"] = ["*"] },
        });
        var invoice = IntegrationEvent.Create("invoice.paid", tenant, new { });
        var customer = IntegrationEvent.Create("customer.created", tenant, new { });
        await _db.WriteEventAsync(tenant, invoice, commit: true);
        await _db.WriteEventAsync(tenant, customer, commit: true);

        var relay = new OutboxRelay(_db.DataSource, _db.Transport, options);
        while (await relay.RelayOnceAsync() > 0)
        {
        }

        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM queue_messages WHERE queue = 'route-billing' AND message_id = $1", invoice.Id));
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM queue_messages WHERE queue = 'route-crm' AND message_id = $1", customer.Id));
        Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM queue_messages WHERE queue = 'route-crm' AND message_id = $1", invoice.Id));
        Assert.AreEqual(2, await _db.CountAsync("SELECT count(*) FROM queue_messages WHERE queue = 'route-audit' AND message_id = ANY($1)", new[] { invoice.Id, customer.Id }));
    }

    [TestMethod]
    public async Task A_request_cannot_write_an_event_for_another_organization()
    {
        var (tenantA, tenantB) = (await _db.CreateOrganizationAsync(), await _db.CreateOrganizationAsync());

        var error = await Assert.ThrowsExactlyAsync<PostgresException>(() => _db.WriteEventAsync(tenantA, IntegrationEvent.Create("customer.created", tenantB, new { }), commit: true));

        StringAssert.Contains(error.MessageText, "row-level security");
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static IOptions<MessagingOptions> Routed(string queue) =>
        Microsoft.Extensions.Options.Options.Create(new MessagingOptions { Routes = new(StringComparer.Ordinal) { [queue] = ["*"] } });

    /// <summary>Sends, then terminates the relay's backend: the one holding outbox rows locked, idle in its transaction.</summary>
    private sealed class ConnectionKilledAfterSending(IMessageTransport inner, string superuserConnectionString) : IMessageTransport
    {
        public async Task SendAsync(string queue, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default)
        {
            await inner.SendAsync(queue, messages, cancellationToken);
            await using var connection = new NpgsqlConnection(superuserConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var kill = new NpgsqlCommand(
                """
                SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                WHERE datname = current_database() AND state = 'idle in transaction' AND query LIKE '%FROM outbox_messages%FOR UPDATE SKIP LOCKED%'
                """, connection);
            Assert.AreEqual(1L, await kill.ExecuteScalarAsync(cancellationToken), "exactly the relay's connection was killed");
        }

        public Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(string queue, int maxMessages, TimeSpan lease, CancellationToken cancellationToken = default) =>
            inner.ReceiveAsync(queue, maxMessages, lease, cancellationToken);

        public Task<bool> CompleteAsync(ReceivedMessage message, CancellationToken cancellationToken = default) => inner.CompleteAsync(message, cancellationToken);

        public Task<bool> RetryAsync(ReceivedMessage message, TimeSpan delay, string reason, CancellationToken cancellationToken = default) =>
            inner.RetryAsync(message, delay, reason, cancellationToken);

        public Task<bool> DeadLetterAsync(ReceivedMessage message, string reason, CancellationToken cancellationToken = default) =>
            inner.DeadLetterAsync(message, reason, cancellationToken);

        public Task WaitAsync(string queue, TimeSpan timeout, CancellationToken cancellationToken = default) => inner.WaitAsync(queue, timeout, cancellationToken);
    }
}
