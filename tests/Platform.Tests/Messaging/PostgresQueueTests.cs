using System.Diagnostics;
using Platform.Messaging;

namespace Platform.Tests.Messaging;

/// <summary>The PostgreSQL queue with real competing consumers: exactly-once handling, retries, dead letters, wake-ups.</summary>
[TestClass]
public sealed class PostgresQueueTests
{
    private static MessagingDatabase _db = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context) => _db = await MessagingDatabase.CreateAsync("queue");

    [ClassCleanup]
    public static async Task Stop() => await _db.DisposeAsync();

    [TestMethod]
    [DataRow(false, DisplayName = "a transaction per message")]
    [DataRow(true, DisplayName = "a transaction per claimed batch")]
    public async Task Four_competing_consumers_handle_ten_thousand_messages_each_exactly_once(bool sharedTransaction)
    {
        const int Count = 10_000;
        var Queue = sharedTransaction ? "bulk-shared" : "bulk";
        var tenant = await _db.CreateOrganizationAsync();
        var messages = Enumerable.Range(0, Count)
            .Select(i => new OutgoingMessage(Guid.CreateVersion7(), i % 2 == 0 ? tenant : null, "test.bulk", $$"""{"n":{{i}}}"""))
            .ToArray();
        foreach (var chunk in messages.Chunk(2_000))
        {
            await _db.Transport.SendAsync(Queue, chunk);
        }

        // Four replicas of one consumer: same name, so they share one inbox.
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var options = MessagingDatabase.Options(o => o.ReceiveBatchSize = 50);
        var worker = sharedTransaction ? "bulk-shared-worker" : "bulk-worker";
        var consumers = Enumerable.Range(0, 4).Select(_ => _db.Consumer(worker, Queue, options, sharedTransaction)).ToArray();
        var running = consumers.Select(c => Task.Run(() => c.RunAsync((m, ctx, ct) => MessagingDatabase.RecordAsync(m, ctx, worker, ct), stop.Token))).ToArray();
        while (await _db.CountAsync("SELECT count(*) FROM queue_messages WHERE queue = $1", Queue) > 0 && !stop.IsCancellationRequested)
        {
            await Task.Delay(200);
        }

        await stop.CancelAsync();
        await Task.WhenAll(running.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));

        Assert.AreEqual(Count, await _db.CountAsync("SELECT count(*) FROM handled WHERE consumer = $1", worker));
        Assert.AreEqual(Count, await _db.CountAsync("SELECT count(DISTINCT message_id) FROM handled WHERE consumer = $1", worker));
        Assert.AreEqual(Count, await _db.CountAsync("SELECT count(*) FROM inbox_messages WHERE consumer = $1", worker));
        Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM dead_letters WHERE queue = $1", Queue));
    }

    [TestMethod]
    public async Task In_a_shared_transaction_a_failing_message_is_undone_alone_and_each_runs_as_its_organization()
    {
        const string Queue = "shared-batch";
        var tenants = new[] { await _db.CreateOrganizationAsync(), await _db.CreateOrganizationAsync() };
        var messages = Enumerable.Range(0, 6).Select(i => new OutgoingMessage(Guid.CreateVersion7(), tenants[i % 2], "test.shared", $$"""{"n":{{i}}}""")).ToArray();
        await _db.Transport.SendAsync(Queue, messages);
        var poison = messages[3].MessageId;
        var consumer = _db.Consumer("shared-worker", Queue, MessagingDatabase.Options(o => o.ReceiveBatchSize = 10), sharedTransaction: true);
        var keyedAs = new Dictionary<Guid, Guid>();
        var announced = new List<Guid>();
        var handlerFixed = false;
        async Task Handler(ReceivedMessage m, ConsumeContext ctx, CancellationToken ct)
        {
            await using (var current = new Npgsql.NpgsqlCommand("SELECT app_current_tenant()", ctx.Connection, ctx.Transaction))
            {
                keyedAs[m.MessageId] = (Guid)(await current.ExecuteScalarAsync(ct))!;
            }

            await MessagingDatabase.RecordAsync(m, ctx, "shared-worker", ct);
            ctx.OnCommitted(_ =>
            {
                announced.Add(m.MessageId);
                return Task.CompletedTask;
            });
            if (m.MessageId == poison && !handlerFixed)
            {
                throw new InvalidOperationException("poison after writing");
            }
        }

        Assert.AreEqual(6, await consumer.ProcessOnceAsync(Handler));

        foreach (var message in messages)
        {
            Assert.AreEqual(message.TenantId, keyedAs[message.MessageId], "each handler runs keyed to its own organization");
        }

        Assert.AreEqual(5, await _db.CountAsync("SELECT count(*) FROM handled WHERE consumer = 'shared-worker'"));
        Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM handled WHERE message_id = $1", poison), "the failing handler's write is undone");
        Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM inbox_messages WHERE message_id = $1", poison));
        CollectionAssert.AreEquivalent(messages.Select(m => m.MessageId).Where(id => id != poison).ToList(), announced, "only committed handlers announce");
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM queue_messages WHERE queue = $1", Queue), "only the failed message is left");
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM queue_messages WHERE message_id = $1 AND last_error LIKE '%poison after writing%'", poison));

        handlerFixed = true;
        var deadline = Stopwatch.StartNew();
        while (await _db.CountAsync("SELECT count(*) FROM queue_messages WHERE queue = $1", Queue) > 0 && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (await consumer.ProcessOnceAsync(Handler) == 0)
            {
                await Task.Delay(20);
            }
        }

        Assert.AreEqual(6, await _db.CountAsync("SELECT count(*) FROM handled WHERE consumer = 'shared-worker'"), "the retried message is handled once, the others not again");
        Assert.AreEqual(6, await _db.CountAsync("SELECT count(DISTINCT message_id) FROM handled WHERE consumer = 'shared-worker'"));
    }

    [TestMethod]
    public async Task In_a_shared_transaction_a_message_handled_before_is_removed_without_running_its_handler_again()
    {
        const string Queue = "shared-again";
        var tenant = await _db.CreateOrganizationAsync();
        var first = new OutgoingMessage(Guid.CreateVersion7(), tenant, "test.again", "{}");
        var consumer = _db.Consumer("again-worker", Queue, MessagingDatabase.Options(), sharedTransaction: true);
        var calls = new List<Guid>();
        Task Handler(ReceivedMessage m, ConsumeContext ctx, CancellationToken ct)
        {
            calls.Add(m.MessageId);
            return Task.CompletedTask;
        }

        await _db.Transport.SendAsync(Queue, [first]);
        Assert.AreEqual(1, await consumer.ProcessOnceAsync(Handler));
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM inbox_messages WHERE consumer = 'again-worker' AND message_id = $1", first.MessageId));

        // The same message queued again (a broker's redelivery, a replayed copy) beside a new one, in one claim.
        var second = new OutgoingMessage(Guid.CreateVersion7(), tenant, "test.again", "{}");
        await _db.Transport.SendAsync(Queue, [first, second]);
        Assert.AreEqual(2, await consumer.ProcessOnceAsync(Handler));

        CollectionAssert.AreEqual(new[] { first.MessageId, second.MessageId }, calls, "the repeated message is not handled twice");
        Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM queue_messages WHERE queue = $1", Queue), "both leave the queue");
        Assert.AreEqual(2, await _db.CountAsync("SELECT count(*) FROM inbox_messages WHERE consumer = 'again-worker'"));
    }

    [TestMethod]
    public async Task A_shared_transaction_lost_with_its_connection_leaves_its_messages_due_at_once_and_each_is_handled_once()
    {
        const string Queue = "shared-lost";
        var tenant = await _db.CreateOrganizationAsync();
        var messages = Enumerable.Range(0, 5).Select(i => new OutgoingMessage(Guid.CreateVersion7(), tenant, "test.lost", "{}")).ToArray();
        await _db.Transport.SendAsync(Queue, messages);
        var consumer = _db.Consumer("lost-worker", Queue, MessagingDatabase.Options(o => o.SharedTransactionBatchSize = 10), sharedTransaction: true);
        var killed = false;
        async Task Handler(ReceivedMessage m, ConsumeContext ctx, CancellationToken ct)
        {
            await MessagingDatabase.RecordAsync(m, ctx, "lost-worker", ct);
            if (m.MessageId == messages[2].MessageId && !killed)
            {
                // The database ends this session mid-batch, as when its server restarts or the network drops it.
                killed = true;
                await using var terminate = new Npgsql.NpgsqlCommand("SELECT pg_terminate_backend(pg_backend_pid())", ctx.Connection, ctx.Transaction);
                await terminate.ExecuteNonQueryAsync(ct);
            }
        }

        Assert.AreEqual(5, await consumer.ProcessOnceAsync(Handler));
        Assert.IsTrue(killed);
        Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM handled WHERE consumer = 'lost-worker'"), "nothing of the lost transaction was committed");

        // The claim was a lock, gone with the session: the next claim takes them at once, without waiting out a lease.
        Assert.AreEqual(5, await consumer.ProcessOnceAsync(Handler));
        Assert.AreEqual(5, await _db.CountAsync("SELECT count(*) FROM handled WHERE consumer = 'lost-worker'"), "each handled once");
        Assert.AreEqual(5, await _db.CountAsync("SELECT count(DISTINCT message_id) FROM handled WHERE consumer = 'lost-worker'"));
        Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM queue_messages WHERE queue = $1", Queue));
    }

    [TestMethod]
    [DataRow(false, DisplayName = "a transaction per message (leased)")]
    [DataRow(true, DisplayName = "a transaction per claimed batch (locked)")]
    public async Task A_poison_message_ends_in_dead_letters_after_its_attempts_and_a_replay_handles_it(bool sharedTransaction)
    {
        var Queue = sharedTransaction ? "poison-shared" : "poison";
        var tenant = await _db.CreateOrganizationAsync();
        var message = new OutgoingMessage(Guid.CreateVersion7(), tenant, "test.poison", """{"bad":true}""");
        await _db.Transport.SendAsync(Queue, [message]);
        var consumer = _db.Consumer("poison-worker", Queue, MessagingDatabase.Options(o => o.MaxAttempts = 3), sharedTransaction);
        var handlerFixed = false;
        Task Handler(ReceivedMessage m, ConsumeContext ctx, CancellationToken ct) =>
            handlerFixed ? MessagingDatabase.RecordAsync(m, ctx, "poison-worker", ct) : throw new InvalidOperationException("cannot parse the order");

        var deadline = Stopwatch.StartNew();
        while (await _db.CountAsync("SELECT count(*) FROM dead_letters WHERE message_id = $1", message.MessageId) == 0 && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (await consumer.ProcessOnceAsync(Handler) == 0)
            {
                await Task.Delay(20);
            }
        }

        var letter = (await new DeadLetterStore(_db.DataSource, _db.Transport).ListAsync(tenant, 10)).Single();
        Assert.AreEqual(message.MessageId, letter.MessageId);
        Assert.AreEqual(3, letter.Attempts);
        StringAssert.Contains(letter.LastError, "cannot parse the order");
        Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM queue_messages WHERE message_id = $1", message.MessageId));
        Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM handled WHERE message_id = $1", message.MessageId), "a failed attempt leaves nothing behind");

        handlerFixed = true;
        Assert.IsTrue(await new DeadLetterStore(_db.DataSource, _db.Transport).ReplayAsync(letter.Id, tenant));
        Assert.IsFalse(await new DeadLetterStore(_db.DataSource, _db.Transport).ReplayAsync(letter.Id, tenant), "a letter is replayed once");
        Assert.AreEqual(1, await consumer.ProcessOnceAsync(Handler));

        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM handled WHERE message_id = $1", message.MessageId));
        Assert.IsNotNull((await new DeadLetterStore(_db.DataSource, _db.Transport).ListAsync(tenant, 10)).Single().ReplayedAt);
    }

    [TestMethod]
    public async Task An_organization_sees_and_replays_only_its_own_dead_letters()
    {
        const string Queue = "isolated";
        var (tenantA, tenantB) = (await _db.CreateOrganizationAsync(), await _db.CreateOrganizationAsync());
        await _db.Transport.SendAsync(Queue, [new OutgoingMessage(Guid.CreateVersion7(), tenantB, "test.isolated", "{}")]);
        var claimed = (await _db.Transport.ReceiveAsync(Queue, 1, TimeSpan.FromMinutes(1))).Single();
        await _db.Transport.DeadLetterAsync(claimed, "failed");
        var store = new DeadLetterStore(_db.DataSource, _db.Transport);
        var letterOfB = (await store.ListAsync(tenantB, 10)).Single();

        Assert.IsEmpty(await store.ListAsync(tenantA, 10));
        Assert.IsFalse(await store.ReplayAsync(letterOfB.Id, tenantA));
        Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM queue_messages WHERE queue = $1", Queue));
        Assert.Contains(letterOfB.Id, (await store.ListAsync(tenantId: null, 100)).Select(l => l.Id), "the platform sees every organization's");
    }

    [TestMethod]
    public async Task Higher_priority_comes_first_and_a_delayed_message_waits_until_due()
    {
        const string Queue = "ordering";
        var low = new OutgoingMessage(Guid.CreateVersion7(), null, "test.low", "{}");
        var high = new OutgoingMessage(Guid.CreateVersion7(), null, "test.high", "{}", Priority: 5);
        var later = new OutgoingMessage(Guid.CreateVersion7(), null, "test.later", "{}", NotBefore: DateTimeOffset.UtcNow.AddSeconds(1));
        await _db.Transport.SendAsync(Queue, [low, high, later]);

        var now = await _db.Transport.ReceiveAsync(Queue, 10, TimeSpan.FromMinutes(1));
        CollectionAssert.AreEqual(new[] { high.MessageId, low.MessageId }, now.Select(m => m.MessageId).ToArray());

        await Task.Delay(TimeSpan.FromSeconds(1.2));
        Assert.AreEqual(later.MessageId, (await _db.Transport.ReceiveAsync(Queue, 10, TimeSpan.FromMinutes(1))).Single().MessageId);
    }

    [TestMethod]
    public async Task One_organizations_backlog_does_not_starve_another()
    {
        const string Queue = "fairness";
        var (noisy, backlog, late) = await SendBacklogThenLateArrivalsAsync(Queue);

        var first = await _db.Transport.ReceiveAsync(Queue, 10, TimeSpan.FromMinutes(1));

        Assert.HasCount(10, first);
        CollectionAssert.IsSubsetOf(late.Select(m => m.MessageId).ToArray(), first.Select(m => m.MessageId).ToArray(), "the quiet organization's messages come in the first claim");
        Assert.AreEqual(1, first.Count(m => m.TenantId is null), "platform messages take turns too");
        var noisyTaken = first.Where(m => m.TenantId == noisy).Select(m => m.MessageId).ToArray();
        CollectionAssert.AreEqual(backlog.Take(noisyTaken.Length).Select(m => m.MessageId).ToArray(), noisyTaken, "each organization's own messages stay in order");
    }

    /// <summary>
    /// 500 messages of a noisy organization, then 3 of a quiet one and 1 of the platform's own: what the noisy one sent
    /// and what arrived late.
    /// </summary>
    private static async Task<(Guid Noisy, OutgoingMessage[] Backlog, OutgoingMessage[] Late)> SendBacklogThenLateArrivalsAsync(string queue)
    {
        var (noisy, quiet) = (await _db.CreateOrganizationAsync(), await _db.CreateOrganizationAsync());
        var backlog = Enumerable.Range(0, 500).Select(_ => new OutgoingMessage(Guid.CreateVersion7(), noisy, "test.noisy", "{}")).ToArray();
        await _db.Transport.SendAsync(queue, backlog);
        var late = Enumerable.Range(0, 3).Select(_ => new OutgoingMessage(Guid.CreateVersion7(), quiet, "test.quiet", "{}")).ToArray();
        await _db.Transport.SendAsync(queue, late);
        await _db.Transport.SendAsync(queue, [new OutgoingMessage(Guid.CreateVersion7(), null, "test.platform", "{}")]);
        return (noisy, backlog, late);
    }

    [TestMethod]
    public async Task A_locked_claim_gives_every_organization_and_the_platform_an_equal_share()
    {
        const string Queue = "fairness-locked";
        var (noisy, backlog, late) = await SendBacklogThenLateArrivalsAsync(Queue);
        var consumer = _db.Consumer("fair-worker", Queue, MessagingDatabase.Options(o => o.SharedTransactionBatchSize = 10), sharedTransaction: true);
        var handled = new List<ReceivedMessage>();

        await consumer.ProcessOnceAsync((m, ctx, ct) =>
        {
            handled.Add(m);
            return Task.CompletedTask;
        });

        CollectionAssert.IsSubsetOf(late.Select(m => m.MessageId).ToArray(), handled.Select(m => m.MessageId).ToArray(), "the quiet organization's messages come in the first claim");
        Assert.AreEqual(1, handled.Count(m => m.TenantId is null), "platform messages take turns too");
        var noisyTaken = handled.Where(m => m.TenantId == noisy).Select(m => m.MessageId).ToArray();
        Assert.AreEqual(10 / 3, noisyTaken.Length, "the noisy organization gets its share of the batch, no more");
        CollectionAssert.AreEqual(backlog.Take(noisyTaken.Length).Select(m => m.MessageId).ToArray(), noisyTaken, "each organization's own messages stay in order");
    }

    [TestMethod]
    public async Task With_more_organizations_waiting_than_a_claim_takes_the_next_claim_goes_on_from_where_the_last_stopped()
    {
        const string Queue = "fairness-window";
        var organizations = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            var organization = await _db.CreateOrganizationAsync();
            organizations.Add(organization);
            await _db.Transport.SendAsync(Queue, [.. Enumerable.Range(0, 20).Select(_ => new OutgoingMessage(Guid.CreateVersion7(), organization, "test.window", "{}"))]);
        }

        // A batch of 4 looks at 3 organizations at a time.
        var consumer = _db.Consumer("window-worker", Queue, MessagingDatabase.Options(o => o.SharedTransactionBatchSize = 4), sharedTransaction: true);
        var served = new HashSet<Guid>();
        for (var claim = 0; claim < 2; claim++)
        {
            await consumer.ProcessOnceAsync((m, ctx, ct) =>
            {
                served.Add(m.TenantId!.Value);
                return Task.CompletedTask;
            });
        }

        CollectionAssert.AreEquivalent(organizations, served.ToList(), "two claims reach all five organizations");
    }

    [TestMethod]
    public async Task Deleting_an_organization_takes_its_unpublished_events_queued_messages_and_inbox_entries_and_no_one_elses()
    {
        const string Queue = "forgotten";
        var (leaving, staying) = (await _db.CreateOrganizationAsync(), await _db.CreateOrganizationAsync());
        var handled = new OutgoingMessage(Guid.CreateVersion7(), leaving, "test.handled", "{}");
        await _db.Transport.SendAsync(Queue, [handled]);
        Assert.AreEqual(1, await _db.Consumer("forget-worker", Queue).ProcessOnceAsync((m, ctx, ct) => MessagingDatabase.RecordAsync(m, ctx, "forget-worker", ct)));
        await _db.Transport.SendAsync(Queue, [
            new OutgoingMessage(Guid.CreateVersion7(), leaving, "test.waiting", "{}"),
            new OutgoingMessage(Guid.CreateVersion7(), staying, "test.waiting", "{}")]);

        await _db.WriteEventAsync(leaving, IntegrationEvent.Create("test.unpublished", leaving, new { }), commit: true);
        await _db.WriteEventAsync(staying, IntegrationEvent.Create("test.unpublished", staying, new { }), commit: true);

        await MessagingDatabase.ExecuteAsync(_db.Database.OwnerConnectionString, $"DELETE FROM organizations WHERE id = '{leaving}'");

        Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM outbox_messages WHERE tenant_id = $1", leaving), "its unpublished events go too");
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM outbox_messages WHERE tenant_id = $1", staying));
        Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM queue_messages WHERE tenant_id = $1", leaving));
        Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM inbox_messages WHERE tenant_id = $1", leaving));
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM queue_messages WHERE tenant_id = $1", staying), "another organization's message stays");
    }

    [TestMethod]
    public async Task A_message_whose_lease_ran_out_is_delivered_again_and_the_stale_claim_cannot_settle_it()
    {
        const string Queue = "leases";
        await _db.Transport.SendAsync(Queue, [new OutgoingMessage(Guid.CreateVersion7(), null, "test.lease", "{}")]);
        var first = (await _db.Transport.ReceiveAsync(Queue, 1, TimeSpan.FromMilliseconds(200))).Single();
        Assert.IsEmpty(await _db.Transport.ReceiveAsync(Queue, 1, TimeSpan.FromMinutes(1)), "hidden while leased");

        await Task.Delay(400);
        var second = (await _db.Transport.ReceiveAsync(Queue, 1, TimeSpan.FromMinutes(1))).Single();

        Assert.AreEqual(first.MessageId, second.MessageId);
        Assert.AreEqual(2, second.Attempts);
        Assert.IsFalse(await _db.Transport.CompleteAsync(first), "the crashed consumer's claim is void");
        Assert.IsTrue(await _db.Transport.CompleteAsync(second));
    }

    [TestMethod]
    public async Task An_idle_consumer_wakes_when_a_message_is_sent_instead_of_waiting_out_its_poll()
    {
        const string Queue = "wakeup";
        await _db.Transport.WaitAsync(Queue, TimeSpan.FromMilliseconds(300)); // starts listening
        var waited = Stopwatch.StartNew();
        var waiting = _db.Transport.WaitAsync(Queue, TimeSpan.FromSeconds(30));
        await Task.Delay(200);

        await _db.Transport.SendAsync(Queue, [new OutgoingMessage(Guid.CreateVersion7(), null, "test.wakeup", "{}")]);
        await waiting;

        Assert.IsLessThan(TimeSpan.FromSeconds(10), waited.Elapsed);
    }
}
