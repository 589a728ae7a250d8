using System.Diagnostics;
using System.Net;
using Azure.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Platform.Messaging;
using Platform.Messaging.ServiceBus;

namespace Platform.Tests.Messaging;

/// <summary>The Service Bus REST transport against a fake namespace (real HTTPS, SAS checked), dead letters in real PostgreSQL.</summary>
[TestClass]
public sealed class ServiceBusRestTransportTests
{
    private static FakeServiceBus _bus = null!;
    private static MessagingDatabase _db = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        _bus = await FakeServiceBus.StartAsync();
        _db = await MessagingDatabase.CreateAsync("servicebus");
    }

    [ClassCleanup]
    public static async Task Stop()
    {
        await _db.DisposeAsync();
        await _bus.DisposeAsync();
    }

    [TestMethod]
    public async Task Sent_messages_come_back_with_tenant_type_payload_and_priority_and_complete_removes_them()
    {
        const string Queue = "round-trip";
        var transport = Transport(_bus);
        var tenant = Guid.NewGuid();
        var withTenant = new OutgoingMessage(Guid.CreateVersion7(), tenant, "customer.created", """{"name":"Ada"}""", Priority: 3);
        var platform = new OutgoingMessage(Guid.CreateVersion7(), null, "platform.tick", """{"n":1}""");
        await transport.SendAsync(Queue, [withTenant, platform]);

        var received = await transport.ReceiveAsync(Queue, 10, TimeSpan.FromMinutes(1));

        Assert.HasCount(2, received);
        var first = received.Single(m => m.MessageId == withTenant.MessageId);
        Assert.AreEqual(tenant, first.TenantId);
        Assert.AreEqual("customer.created", first.Type);
        Assert.AreEqual(withTenant.Payload, first.Payload);
        Assert.AreEqual((short)3, first.Priority);
        Assert.AreEqual(1, first.Attempts);
        Assert.AreEqual(Queue, first.Queue);
        Assert.IsLessThan(TimeSpan.FromMinutes(1), (DateTimeOffset.UtcNow - first.EnqueuedAt).Duration());
        var second = received.Single(m => m.MessageId == platform.MessageId);
        Assert.IsNull(second.TenantId);
        Assert.AreEqual((short)0, second.Priority);
        Assert.AreNotEqual(first.Id, second.Id);

        Assert.IsTrue(await transport.CompleteAsync(first));
        Assert.IsTrue(await transport.CompleteAsync(second));
        Assert.AreEqual(0, _bus.Count(Queue));
        Assert.IsFalse(await transport.CompleteAsync(first), "completed already");
    }

    [TestMethod]
    public async Task Sends_are_split_into_batches_of_the_configured_size()
    {
        const string Queue = "batches";
        var transport = Transport(_bus, o => o.SendBatchSize = 7);
        await transport.SendAsync(Queue, [.. Enumerable.Range(0, 20).Select(i => new OutgoingMessage(Guid.CreateVersion7(), null, "test.batch", $$"""{"n":{{i}}}"""))]);

        var received = await transport.ReceiveAsync(Queue, 50, TimeSpan.FromMinutes(1));

        Assert.HasCount(20, received);
        foreach (var message in received)
        {
            Assert.IsTrue(await transport.CompleteAsync(message));
        }
    }

    [TestMethod]
    public async Task A_wrong_SAS_key_is_refused_with_a_clear_exception()
    {
        var transport = Transport(_bus, o => o.SasKey = "not-the-key");
        var before = _bus.Rejected;

        var send = await Assert.ThrowsAsync<HttpRequestException>(() =>
            transport.SendAsync("guarded", [new OutgoingMessage(Guid.CreateVersion7(), null, "test.auth", "{}")]));
        var receive = await Assert.ThrowsAsync<HttpRequestException>(() => transport.ReceiveAsync("guarded", 1, TimeSpan.FromMinutes(1)));

        Assert.AreEqual(HttpStatusCode.Unauthorized, send.StatusCode);
        StringAssert.Contains(send.Message, "401");
        StringAssert.Contains(send.Message, "'guarded'");
        Assert.AreEqual(HttpStatusCode.Unauthorized, receive.StatusCode);
        Assert.AreEqual(before + 2, _bus.Rejected);
        Assert.AreEqual(0, _bus.Count("guarded"));
    }

    [TestMethod]
    public async Task A_SAS_token_for_another_queue_is_refused()
    {
        var token = ServiceBusAuthorization.SasToken(new Uri(_bus.Endpoint, "other"), FakeServiceBus.KeyName, FakeServiceBus.Key, DateTimeOffset.UtcNow.AddMinutes(5));
        using var http = _bus.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_bus.Endpoint, "mine/messages/head?timeout=1"));
        request.Headers.TryAddWithoutValidation("Authorization", token);

        using var response = await http.SendAsync(request);

        Assert.AreEqual(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [TestMethod]
    public async Task An_unlocked_message_is_redelivered_with_delivery_count_two()
    {
        const string Queue = "unlock";
        var transport = Transport(_bus);
        var sent = new OutgoingMessage(Guid.CreateVersion7(), null, "test.unlock", "{}");
        await transport.SendAsync(Queue, [sent]);

        var first = (await transport.ReceiveAsync(Queue, 1, TimeSpan.FromMinutes(1))).Single();
        Assert.IsTrue(await transport.RetryAsync(first, TimeSpan.FromMinutes(5), "try again"));
        var second = (await transport.ReceiveAsync(Queue, 1, TimeSpan.FromMinutes(1))).Single();

        Assert.AreEqual(sent.MessageId, second.MessageId);
        Assert.AreEqual(1, first.Attempts);
        Assert.AreEqual(2, second.Attempts, "redelivered at once: the retry delay is not honoured over REST");
        Assert.AreNotEqual(first.LeaseToken, second.LeaseToken);
        Assert.IsFalse(await transport.CompleteAsync(first), "the first lock is gone");
        Assert.IsFalse(await transport.RetryAsync(first, TimeSpan.Zero, "stale"));
        Assert.IsTrue(await transport.CompleteAsync(second));
    }

    [TestMethod]
    public async Task After_max_delivery_count_unlocks_the_message_moves_to_the_service_bus_dead_letter_queue()
    {
        const string Queue = "max-deliveries";
        var transport = Transport(_bus);
        var sent = new OutgoingMessage(Guid.CreateVersion7(), null, "test.poison", "{}");
        await transport.SendAsync(Queue, [sent]);

        for (var delivery = 1; delivery <= FakeServiceBus.MaxDeliveryCount; delivery++)
        {
            var message = (await transport.ReceiveAsync(Queue, 1, TimeSpan.FromMinutes(1))).Single();
            Assert.AreEqual(delivery, message.Attempts);
            Assert.IsTrue(await transport.RetryAsync(message, TimeSpan.Zero, "fails"));
        }

        Assert.IsEmpty(await transport.ReceiveAsync(Queue, 1, TimeSpan.FromMinutes(1)));
        CollectionAssert.AreEqual(new[] { sent.MessageId.ToString() }, _bus.DeadLettered(Queue).ToArray());
    }

    [TestMethod]
    public async Task An_expired_lock_cannot_complete_and_the_message_comes_back()
    {
        await using var bus = await FakeServiceBus.StartAsync();
        bus.LockDuration = TimeSpan.FromMilliseconds(500);
        const string Queue = "expiring";
        var transport = Transport(bus);
        await transport.SendAsync(Queue, [new OutgoingMessage(Guid.CreateVersion7(), null, "test.slow", "{}")]);

        var claimed = (await transport.ReceiveAsync(Queue, 1, TimeSpan.FromMinutes(10))).Single();
        await Task.Delay(TimeSpan.FromMilliseconds(800));

        Assert.IsFalse(await transport.CompleteAsync(claimed));
        var again = (await transport.ReceiveAsync(Queue, 1, TimeSpan.FromMinutes(1))).Single();
        Assert.AreEqual(claimed.MessageId, again.MessageId);
        Assert.AreEqual(2, again.Attempts);
        Assert.IsTrue(await transport.CompleteAsync(again));
    }

    [TestMethod]
    public async Task A_scheduled_message_is_not_received_before_it_is_due()
    {
        const string Queue = "scheduled";
        var transport = Transport(_bus);
        var sent = new OutgoingMessage(Guid.CreateVersion7(), null, "test.later", "{}", NotBefore: DateTimeOffset.UtcNow.AddSeconds(4));
        await transport.SendAsync(Queue, [sent]);

        Assert.IsEmpty(await transport.ReceiveAsync(Queue, 1, TimeSpan.FromMinutes(1)), "not due for at least 3 s (RFC 1123 drops the fraction)");
        var elapsed = Stopwatch.StartNew();
        IReadOnlyList<ReceivedMessage> received = [];
        while (received.Count == 0 && elapsed.Elapsed < TimeSpan.FromSeconds(15))
        {
            received = await transport.ReceiveAsync(Queue, 1, TimeSpan.FromMinutes(1));
        }

        Assert.AreEqual(sent.MessageId, received.Single().MessageId);
        Assert.IsGreaterThanOrEqualTo(sent.NotBefore!.Value.AddSeconds(-1), DateTimeOffset.UtcNow);
        Assert.IsTrue(await transport.CompleteAsync(received.Single()));
    }

    [TestMethod]
    public async Task Dead_lettering_writes_the_PostgreSQL_row_and_removes_the_message_from_service_bus()
    {
        const string Queue = "dead";
        var transport = Transport(_bus);
        var tenant = await _db.CreateOrganizationAsync();
        var sent = new OutgoingMessage(Guid.CreateVersion7(), tenant, "customer.broken", """{"bad":true}""", Priority: 2);
        await transport.SendAsync(Queue, [sent]);
        var message = (await transport.ReceiveAsync(Queue, 1, TimeSpan.FromMinutes(1))).Single();

        Assert.IsTrue(await transport.DeadLetterAsync(message, "InvalidOperationException: cannot parse"));

        var letter = (await new DeadLetterStore(_db.DataSource, _db.Transport).ListAsync(tenant, 10)).Single();
        Assert.AreEqual(Queue, letter.Queue);
        Assert.AreEqual(sent.MessageId, letter.MessageId);
        Assert.AreEqual("customer.broken", letter.Type);
        Assert.AreEqual("""{"bad": true}""", letter.Payload);
        Assert.AreEqual(1, letter.Attempts);
        Assert.AreEqual("InvalidOperationException: cannot parse", letter.LastError);
        Assert.AreEqual(2, await _db.CountAsync("SELECT priority FROM dead_letters WHERE id = $1", letter.Id));
        Assert.AreEqual(0, _bus.Count(Queue));
        Assert.IsFalse(await transport.DeadLetterAsync(message, "again"), "the lock is gone");
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM dead_letters WHERE message_id = $1", sent.MessageId), "no row without the completion");

        // A replay goes back to Service Bus, not to the PostgreSQL queue.
        Assert.IsTrue(await new DeadLetterStore(_db.DataSource, transport).ReplayAsync(letter.Id, tenant));
        var replayed = (await transport.ReceiveAsync(Queue, 1, TimeSpan.FromMinutes(1))).Single();
        Assert.AreEqual(sent.MessageId, replayed.MessageId);
        Assert.AreEqual(tenant, replayed.TenantId);
        Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM queue_messages WHERE message_id = $1", sent.MessageId));
    }

    [TestMethod]
    public async Task The_consumer_handles_a_message_exactly_once_over_service_bus_despite_a_failure_and_a_duplicate()
    {
        const string Queue = "consumed";
        var transport = Transport(_bus);
        var tenant = await _db.CreateOrganizationAsync();
        var sent = new OutgoingMessage(Guid.CreateVersion7(), tenant, "customer.created", """{"id":1}""");
        await transport.SendAsync(Queue, [sent]);
        await transport.SendAsync(Queue, [sent]); // a relay that sent twice: no duplicate detection on the queue
        var consumer = _db.Consumer("sb-worker", Queue, transport);
        var calls = 0;
        Task Handler(ReceivedMessage m, ConsumeContext ctx, CancellationToken ct) =>
            Interlocked.Increment(ref calls) == 1 ? throw new InvalidOperationException("first try fails") : MessagingDatabase.RecordAsync(m, ctx, "sb-worker", ct);

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var running = Task.Run(() => consumer.RunAsync(Handler, stop.Token));
        while (_bus.Count(Queue) > 0 && !stop.IsCancellationRequested)
        {
            await Task.Delay(50);
        }

        await stop.CancelAsync();
        await running.ContinueWith(_ => { }, TaskScheduler.Default);

        Assert.AreEqual(0, _bus.Count(Queue));
        Assert.AreEqual(2, calls, "one failure, then handled; the duplicate and the redelivery are acknowledged by the inbox");
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM handled WHERE consumer = 'sb-worker' AND message_id = $1", sent.MessageId));
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM inbox_messages WHERE consumer = 'sb-worker' AND message_id = $1", sent.MessageId));
        Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM dead_letters WHERE message_id = $1", sent.MessageId));
    }

    [TestMethod]
    public async Task Without_a_SAS_key_an_Entra_token_for_the_service_bus_scope_is_sent()
    {
        var credential = new ScopeRecordingCredential();
        var authorization = ServiceBusAuthorization.Create(new ServiceBusTransportOptions { Endpoint = new Uri("https://ns.servicebus.windows.net/") }, () => credential);

        var header = await authorization.GetHeaderAsync(new Uri("https://ns.servicebus.windows.net/q"), CancellationToken.None);
        await authorization.GetHeaderAsync(new Uri("https://ns.servicebus.windows.net/other"), CancellationToken.None);

        Assert.AreEqual("Bearer entra-token", header);
        CollectionAssert.AreEqual(new[] { "https://servicebus.azure.net/.default" }, credential.Scopes.Single());
    }

    [TestMethod]
    public async Task Choosing_service_bus_without_an_endpoint_fails_start_up_with_a_clear_message()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Messaging:Transport"] = "servicebus" });
        builder.AddMessaging();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        StringAssert.Contains(error.Message, "Messaging:ServiceBus:Endpoint");
    }

    private static ServiceBusRestTransport Transport(FakeServiceBus bus, Action<ServiceBusTransportOptions>? configure = null)
    {
        var options = new ServiceBusTransportOptions
        {
            Endpoint = bus.Endpoint,
            SasKeyName = FakeServiceBus.KeyName,
            SasKey = FakeServiceBus.Key,
            ReceiveWaitSeconds = 1,
        };
        configure?.Invoke(options);
        return new ServiceBusRestTransport(
            bus.CreateHttpClient(), Options.Create(options), ServiceBusAuthorization.Create(options, () => throw new InvalidOperationException("SAS only")), _db.DataSource);
    }

    private sealed class ScopeRecordingCredential : TokenCredential
    {
        public List<string[]> Scopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Scopes.Add(requestContext.Scopes);
            return new AccessToken("entra-token", DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new(GetToken(requestContext, cancellationToken));
    }
}
