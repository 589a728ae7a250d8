using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Platform.Messaging;
using Platform.Webhooks;
using TestKit;

namespace Platform.Tests.Webhooks;

/// <summary>Events become signed webhook deliveries to a real receiver on loopback, retried on the schedule with a clock the test moves.</summary>
[TestClass]
public sealed class WebhookDeliveryTests
{
    private static WebhooksHarness _h = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context) => _h = await WebhooksHarness.CreateAsync("webhook-delivery");

    [ClassCleanup]
    public static async Task Stop() => await _h.DisposeAsync();

    [TestInitialize]
    public void Reset() => _h.Reset();

    [TestCleanup]
    public Task Settle() => _h.SettleAsync();

    [TestMethod]
    public async Task An_event_reaches_each_subscribed_enabled_endpoint_once_signed_as_the_spec_says()
    {
        var (tenant, _) = await _h.CreateOrganizationAsync();
        var path = Path();
        var first = await _h.CreateEndpointAsync(tenant, _h.Receiver.Url(path + "/1"), EventTypes.MemberJoined, EventTypes.MemberRemoved);
        var second = await _h.CreateEndpointAsync(tenant, _h.Receiver.Url(path + "/2"), EventTypes.MemberJoined);
        await _h.CreateEndpointAsync(tenant, _h.Receiver.Url(path + "/other-type"), EventTypes.ApiKeyCreated);
        var off = await _h.CreateEndpointAsync(tenant, _h.Receiver.Url(path + "/off"), EventTypes.MemberJoined);
        await _h.InTenantAsync(tenant, (c, t) => _h.Endpoints.UpdateAsync(c, t, tenant, off.Endpoint.Id, new WebhookEndpointDraft(off.Endpoint.Url, "", [EventTypes.MemberJoined], Enabled: false)));
        var userId = Guid.NewGuid();

        var messageId = await _h.PublishAsync(tenant, EventTypes.MemberJoined, new { userId, roleId = Guid.Empty });
        Assert.AreEqual(2, await _h.DispatcherWith(_h.Options).DeliverDueAsync());

        var received = _h.Receiver.Requests.Where(r => r.Path.StartsWith(path, StringComparison.Ordinal)).OrderBy(r => r.Path).ToList();
        Assert.HasCount(2, received);
        foreach (var (request, secret) in received.Zip(new[] { first.Secret, second.Secret }))
        {
            Assert.AreEqual(messageId, request.Headers["webhook-id"], "one id per event, the same for every endpoint");
            Assert.AreEqual(_h.Clock.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), request.Headers["webhook-timestamp"]);
            StringAssert.StartsWith(request.Headers["content-type"], "application/json");
            Assert.AreEqual(1, StandardWebhooksVerifier.Matching(secret, request), "signed with its own endpoint's secret over the exact bytes received");
            var body = JsonDocument.Parse(request.Body).RootElement;
            Assert.AreEqual(EventTypes.MemberJoined, body.GetProperty("type").GetString());
            Assert.AreEqual(userId, body.GetProperty("data").GetProperty("userId").GetGuid());
            Assert.IsTrue(body.TryGetProperty("timestamp", out var timestamp) && timestamp.TryGetDateTimeOffset(out _));
        }

        Assert.AreEqual(0, StandardWebhooksVerifier.Matching(second.Secret, received[0]), "an endpoint's secret does not verify another's deliveries");
        Assert.AreEqual(2L, await _h.ScalarAsync<long>("SELECT count(*) FROM webhook_deliveries WHERE tenant_id = $1 AND status = 'succeeded'", tenant));

        // The same event delivered again by the queue (a relay that resent it) makes no new delivery.
        var again = JsonDocument.Parse(received[0].Body).RootElement.GetProperty("data").GetRawText();
        var eventId = Guid.ParseExact(messageId["msg_".Length..], "N");
        await _h.Transport.SendAsync(WebhookFanOut.Consumer, [new OutgoingMessage(eventId, tenant, EventTypes.MemberJoined, again)]);
        await _h.PublishAsync(tenant, EventTypes.ApiKeyRevoked, new { });
        Assert.AreEqual(2L, await _h.ScalarAsync<long>("SELECT count(*) FROM webhook_deliveries WHERE tenant_id = $1", tenant));
    }

    [TestMethod]
    public async Task During_a_rotation_both_secrets_sign_and_after_the_grace_period_only_the_new_one()
    {
        var (tenant, _) = await _h.CreateOrganizationAsync();
        var path = Path();
        var (endpoint, oldSecret) = await _h.CreateEndpointAsync(tenant, _h.Receiver.Url(path));

        var rotated = await _h.InTenantAsync(tenant, (c, t) => _h.Endpoints.RotateSecretAsync(c, t, tenant, endpoint.Id, TimeSpan.FromHours(1)));
        await SendTestAsync(tenant, endpoint.Id);
        _h.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        await SendTestAsync(tenant, endpoint.Id);

        var received = _h.Receiver.At(path);
        Assert.HasCount(2, received);
        Assert.AreEqual(_h.Clock.GetUtcNow() - TimeSpan.FromSeconds(1), rotated!.PreviousSecretExpiresAt);
        Assert.HasCount(2, received[0].Headers["webhook-signature"].Split(' '), "both signatures during the grace period");
        Assert.AreEqual(1, StandardWebhooksVerifier.Matching(oldSecret, received[0]));
        Assert.AreEqual(1, StandardWebhooksVerifier.Matching(rotated.Secret, received[0]));
        Assert.HasCount(1, received[1].Headers["webhook-signature"].Split(' '), "only the new one after it");
        Assert.AreEqual(0, StandardWebhooksVerifier.Matching(oldSecret, received[1]));
        Assert.AreEqual(1, StandardWebhooksVerifier.Matching(rotated.Secret, received[1]));
    }

    [TestMethod]
    public async Task A_rotation_without_grace_stops_the_old_secret_at_once()
    {
        var (tenant, _) = await _h.CreateOrganizationAsync();
        var path = Path();
        var (endpoint, oldSecret) = await _h.CreateEndpointAsync(tenant, _h.Receiver.Url(path));

        var rotated = await _h.InTenantAsync(tenant, (c, t) => _h.Endpoints.RotateSecretAsync(c, t, tenant, endpoint.Id, TimeSpan.Zero));
        await SendTestAsync(tenant, endpoint.Id);

        var request = _h.Receiver.At(path).Single();
        Assert.AreEqual(0, StandardWebhooksVerifier.Matching(oldSecret, request));
        Assert.AreEqual(1, StandardWebhooksVerifier.Matching(rotated!.Secret, request));
        await Assert.ThrowsExactlyAsync<Platform.Validation.ValidationFailedException>(() =>
            _h.InTenantAsync(tenant, (c, t) => _h.Endpoints.RotateSecretAsync(c, t, tenant, endpoint.Id, TimeSpan.FromDays(8))));
    }

    [TestMethod]
    public async Task Failures_are_retried_on_the_schedule_with_jitter_until_the_schedule_is_exhausted()
    {
        var (tenant, _) = await _h.CreateOrganizationAsync();
        var path = Path();
        var (endpoint, _) = await _h.CreateEndpointAsync(tenant, _h.Receiver.Url(path));
        _h.Receiver.Respond = context =>
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return context.Response.WriteAsync("broken");
        };
        var messageId = await _h.PublishAsync(tenant, EventTypes.MemberJoined, new { });

        for (var attempt = 1; attempt <= WebhookDispatcher.Schedule.Count; attempt++)
        {
            var attemptedAt = _h.Clock.GetUtcNow();
            Assert.AreEqual(1, await _h.Dispatcher.DeliverDueAsync(), $"attempt {attempt} is due");
            var status = await _h.ScalarAsync<string>("SELECT status FROM webhook_deliveries WHERE tenant_id = $1", tenant);
            if (attempt == WebhookDispatcher.Schedule.Count)
            {
                Assert.AreEqual("failed", status, "the schedule is exhausted");
                break;
            }

            var next = await _h.ScalarAsync<DateTime>("SELECT next_attempt_at FROM webhook_deliveries WHERE tenant_id = $1", tenant);
            var delay = new DateTimeOffset(next, TimeSpan.Zero) - attemptedAt;
            var scheduled = WebhookDispatcher.Schedule[attempt];
            Assert.IsInRange(scheduled * 0.8 - TimeSpan.FromMilliseconds(1), scheduled * 1.2 + TimeSpan.FromMilliseconds(1), delay, $"after attempt {attempt}");
            _h.Clock.Set(new DateTimeOffset(next, TimeSpan.Zero) - TimeSpan.FromMilliseconds(10));
            Assert.AreEqual(0, await _h.Dispatcher.DeliverDueAsync(), "not before it is due");
            _h.Clock.Set(new DateTimeOffset(next, TimeSpan.Zero));
        }

        _h.Clock.Advance(TimeSpan.FromDays(1));
        Assert.AreEqual(0, await _h.Dispatcher.DeliverDueAsync(), "nothing after the last attempt");
        var log = await _h.Endpoints.ListAttemptsAsync(tenant, endpoint.Id, null, 50);
        Assert.HasCount(8, log);
        Assert.IsTrue(log.All(a => a.StatusCode == 500 && !a.Succeeded && a.ResponseBody == "broken" && a.MessageId == messageId && a.Trigger == "scheduled"));
        Assert.HasCount(8, _h.Receiver.At(path).Select(r => r.Headers["webhook-timestamp"]).Distinct(), "a fresh timestamp on every attempt");
        Assert.HasCount(1, _h.Receiver.At(path).Select(r => r.Headers["webhook-id"]).Distinct(), "the same id on every attempt");
    }

    [TestMethod]
    public async Task A_429_waits_at_least_a_minute_and_retry_after_is_honoured_within_twice_the_schedule()
    {
        var (tenant, _) = await _h.CreateOrganizationAsync();
        var path = Path();
        await _h.CreateEndpointAsync(tenant, _h.Receiver.Url(path));
        _h.Receiver.Respond = context =>
        {
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return Task.CompletedTask;
        };
        await _h.PublishAsync(tenant, EventTypes.MemberJoined, new { });

        var first = _h.Clock.GetUtcNow();
        await _h.Dispatcher.DeliverDueAsync();
        var afterThrottle = await NextAttemptAsync(tenant) - first;
        _h.Clock.Set(first + afterThrottle);
        _h.Receiver.Respond = context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "86400";
            return Task.CompletedTask;
        };
        var second = _h.Clock.GetUtcNow();
        await _h.Dispatcher.DeliverDueAsync();
        var afterRetryAfter = await NextAttemptAsync(tenant) - second;

        Assert.IsInRange(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(61), afterThrottle, "5 s on the schedule, but a 429 waits a minute");
        Assert.IsInRange(TimeSpan.FromMinutes(8), TimeSpan.FromMinutes(12), afterRetryAfter, "a day asked, clamped to twice the 5-minute step (with jitter)");
    }

    [TestMethod]
    public async Task A_receiver_that_does_not_answer_in_time_counts_as_throttled()
    {
        var (tenant, _) = await _h.CreateOrganizationAsync();
        var path = Path();
        var (endpoint, _) = await _h.CreateEndpointAsync(tenant, _h.Receiver.Url(path));
        _h.Receiver.Respond = async context => await Task.Delay(TimeSpan.FromSeconds(5), context.RequestAborted);
        await _h.PublishAsync(tenant, EventTypes.MemberJoined, new { });
        var impatient = _h.DispatcherWith(new WebhookOptions { AllowedTargets = ["127.0.0.1"], RequestTimeout = TimeSpan.FromMilliseconds(500) });

        var attemptedAt = _h.Clock.GetUtcNow();
        await impatient.DeliverDueAsync();

        var attempt = (await _h.Endpoints.ListAttemptsAsync(tenant, endpoint.Id, null, 10)).Single();
        Assert.IsNull(attempt.StatusCode);
        StringAssert.Contains(attempt.Error, "No response within");
        Assert.IsGreaterThanOrEqualTo(TimeSpan.FromSeconds(60), await NextAttemptAsync(tenant) - attemptedAt);
    }

    [TestMethod]
    public async Task A_410_disables_the_endpoint_cancels_its_deliveries_and_tells_its_owners()
    {
        var (tenant, owner) = await _h.CreateOrganizationAsync();
        var path = Path();
        var (endpoint, _) = await _h.CreateEndpointAsync(tenant, _h.Receiver.Url(path));
        _h.Receiver.Respond = context =>
        {
            context.Response.StatusCode = StatusCodes.Status410Gone;
            return Task.CompletedTask;
        };
        await _h.PublishAsync(tenant, EventTypes.MemberJoined, new { });
        await _h.DispatcherWith(new WebhookOptions { AllowedTargets = ["127.0.0.1"], DeliveryBatchSize = 1 }).DeliverDueAsync();
        await _h.PublishAsync(tenant, EventTypes.MemberJoined, new { });

        var stored = await _h.Endpoints.GetAsync(tenant, endpoint.Id);
        Assert.IsFalse(stored!.Enabled);
        Assert.AreEqual("gone", stored.DisabledReason);
        Assert.AreEqual(0, await _h.Dispatcher.DeliverDueAsync(), "a disabled endpoint gets nothing more");
        Assert.HasCount(1, _h.Receiver.At(path));
        await AssertOrganizationToldAsync(tenant, owner, endpoint.Id, "gone");
    }

    [TestMethod]
    public async Task Five_days_of_only_failures_disable_the_endpoint_and_a_success_resets_the_streak()
    {
        var (tenant, owner) = await _h.CreateOrganizationAsync();
        var path = Path();
        var (endpoint, _) = await _h.CreateEndpointAsync(tenant, _h.Receiver.Url(path));
        var failing = true;
        _h.Receiver.Respond = context =>
        {
            context.Response.StatusCode = failing ? StatusCodes.Status500InternalServerError : StatusCodes.Status204NoContent;
            return Task.CompletedTask;
        };

        await PublishAndDeliverAsync(tenant);
        _h.Clock.Advance(TimeSpan.FromDays(4));
        failing = false;
        await PublishAndDeliverAsync(tenant);
        Assert.IsNull((await _h.Endpoints.GetAsync(tenant, endpoint.Id))!.FailingSince, "a success ends the streak");

        failing = true;
        await PublishAndDeliverAsync(tenant);
        var streakStart = _h.Clock.GetUtcNow();
        // A failure every 23 hours: never a quiet day, so one streak.
        for (var i = 0; i < 5; i++)
        {
            _h.Clock.Advance(TimeSpan.FromHours(23));
            await PublishAndDeliverAsync(tenant);
        }

        Assert.IsTrue((await _h.Endpoints.GetAsync(tenant, endpoint.Id))!.Enabled, "4 days 19 hours of failures after a success is not yet 5 days");
        Assert.AreEqual(streakStart, (await _h.Endpoints.GetAsync(tenant, endpoint.Id))!.FailingSince);

        _h.Clock.Advance(TimeSpan.FromHours(6));
        await PublishAndDeliverAsync(tenant);

        var stored = await _h.Endpoints.GetAsync(tenant, endpoint.Id);
        Assert.IsFalse(stored!.Enabled);
        Assert.AreEqual("failing", stored.DisabledReason);
        await AssertOrganizationToldAsync(tenant, owner, endpoint.Id, "failing");
    }

    [TestMethod]
    public async Task A_redirect_is_a_failure_and_is_not_followed()
    {
        var (tenant, _) = await _h.CreateOrganizationAsync();
        var path = Path();
        var (endpoint, _) = await _h.CreateEndpointAsync(tenant, _h.Receiver.Url(path + "/moved"));
        _h.Receiver.Respond = context =>
        {
            if (context.Request.Path.Value!.EndsWith("/moved", StringComparison.Ordinal))
            {
                context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
                context.Response.Headers.Location = _h.Receiver.Url(path + "/target");
            }

            return Task.CompletedTask;
        };

        await _h.PublishAsync(tenant, EventTypes.MemberJoined, new { });
        await _h.Dispatcher.DeliverDueAsync();

        var attempt = (await _h.Endpoints.ListAttemptsAsync(tenant, endpoint.Id, null, 10)).Single();
        Assert.AreEqual(307, attempt.StatusCode);
        Assert.IsFalse(attempt.Succeeded);
        Assert.IsEmpty(_h.Receiver.At(path + "/target"), "the redirect target was never requested");
        Assert.AreEqual("pending", await _h.ScalarAsync<string>("SELECT status FROM webhook_deliveries WHERE tenant_id = $1", tenant), "retried later");
    }

    [TestMethod]
    public async Task A_target_refused_at_connect_time_is_never_reached()
    {
        var (tenant, _) = await _h.CreateOrganizationAsync();
        var path = Path();
        // Saved while the operator allowed loopback; the allow-list no longer does when the attempt connects.
        var (endpoint, _) = await _h.CreateEndpointAsync(tenant, _h.Receiver.Url(path));
        await _h.PublishAsync(tenant, EventTypes.MemberJoined, new { });

        await _h.DispatcherWith(new WebhookOptions()).DeliverDueAsync();

        var attempt = (await _h.Endpoints.ListAttemptsAsync(tenant, endpoint.Id, null, 10)).Single();
        Assert.IsNull(attempt.StatusCode);
        StringAssert.StartsWith(attempt.Error, "Refused:");
        Assert.DoesNotContain("127.0.0.1", attempt.Error!, "the organization is not told which internal address its host reached");
        Assert.IsEmpty(_h.Receiver.At(path));
    }

    [TestMethod]
    public async Task The_delivery_log_pages_per_endpoint_and_per_message_and_a_replay_sends_the_same_id_again()
    {
        var (tenant, _) = await _h.CreateOrganizationAsync();
        var path = Path();
        var (endpoint, _) = await _h.CreateEndpointAsync(tenant, _h.Receiver.Url(path));
        _h.Receiver.Respond = context =>
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return context.Response.WriteAsync(new string('é', 3000));
        };
        var messages = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            messages.Add(await _h.PublishAsync(tenant, EventTypes.MemberJoined, new { i }));
            await _h.Dispatcher.DeliverDueAsync();
            _h.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        var page = await _h.Endpoints.ListAttemptsAsync(tenant, endpoint.Id, null, 2);
        var rest = await _h.Endpoints.ListAttemptsAsync(tenant, endpoint.Id, null, 2, page[^1].AttemptedAt, page[^1].Id);
        CollectionAssert.AreEqual(new[] { messages[2], messages[1] }, page.Select(a => a.MessageId).ToArray(), "newest first");
        CollectionAssert.AreEqual(new[] { messages[0] }, rest.Select(a => a.MessageId).ToArray());
        Assert.IsTrue(page.All(a => Encoding.UTF8.GetByteCount(a.ResponseBody!) <= 1024 && a.ResponseBody!.StartsWith("éé", StringComparison.Ordinal)), "an excerpt of at most 1 KB");

        _h.Receiver.Respond = context => context.Response.WriteAsync("thanks");
        var replayed = await _h.InTenantAsync(tenant, (c, t) => _h.Endpoints.ReplayAsync(c, t, tenant, messages[0], endpoint.Id));
        await _h.Dispatcher.DeliverDueAsync();

        Assert.AreEqual(WebhookSendOutcome.Queued, replayed.Outcome);
        var forMessage = await _h.Endpoints.ListAttemptsAsync(tenant, null, messages[0], 10);
        Assert.HasCount(2, forMessage);
        Assert.IsTrue(forMessage[0].Succeeded);
        Assert.AreEqual("replay", forMessage[0].Trigger);
        Assert.AreEqual("thanks", forMessage[0].ResponseBody);
        var sent = _h.Receiver.At(path).Where(r => r.Headers["webhook-id"] == messages[0]).ToList();
        Assert.HasCount(2, sent, "the replay carries the message's id");
        CollectionAssert.AreEqual(sent[0].Body, sent[1].Body, "and its exact body");
    }

    [TestMethod]
    public async Task Two_replicas_share_the_due_deliveries_without_sending_any_twice()
    {
        var (tenant, _) = await _h.CreateOrganizationAsync();
        var path = Path();
        await _h.CreateEndpointAsync(tenant, _h.Receiver.Url(path));
        for (var i = 0; i < 12; i++)
        {
            await _h.PublishAsync(tenant, EventTypes.MemberJoined, new { i });
        }

        var small = new WebhookOptions { AllowedTargets = ["127.0.0.1"], DeliveryBatchSize = 3 };
        var replicas = new[] { _h.DispatcherWith(small), _h.DispatcherWith(small) };
        await Task.WhenAll(replicas.Select(async replica =>
        {
            while (await replica.DeliverDueAsync() > 0)
            {
            }
        }));

        var received = _h.Receiver.At(path);
        Assert.HasCount(12, received);
        Assert.HasCount(12, received.Select(r => r.Headers["webhook-id"]).Distinct());
    }

    [TestMethod]
    public async Task A_delivery_claimed_by_a_replica_that_died_is_attempted_when_its_lease_ends()
    {
        var (tenant, _) = await _h.CreateOrganizationAsync();
        var path = Path();
        await _h.CreateEndpointAsync(tenant, _h.Receiver.Url(path));
        await _h.PublishAsync(tenant, EventTypes.MemberJoined, new { });
        // What a claim leaves behind when its replica dies before recording the attempt.
        await _h.ScalarAsync<int>(
            "WITH claimed AS (UPDATE webhook_deliveries SET lease_token = gen_random_uuid(), next_attempt_at = $2 WHERE tenant_id = $1 RETURNING 1) SELECT count(*)::int FROM claimed",
            tenant, _h.Clock.GetUtcNow() + _h.Options.DeliveryLease);

        Assert.AreEqual(0, await _h.Dispatcher.DeliverDueAsync(), "hidden while leased");
        _h.Clock.Advance(_h.Options.DeliveryLease);
        Assert.AreEqual(1, await _h.Dispatcher.DeliverDueAsync());
        Assert.HasCount(1, _h.Receiver.At(path));
    }

    [TestMethod]
    public async Task An_organization_reaches_sees_and_replays_only_its_own_webhooks()
    {
        var (a, _) = await _h.CreateOrganizationAsync();
        var (b, _) = await _h.CreateOrganizationAsync();
        var path = Path();
        var endpointA = await _h.CreateEndpointAsync(a, _h.Receiver.Url(path + "/a"));
        var endpointB = await _h.CreateEndpointAsync(b, _h.Receiver.Url(path + "/b"));
        var messageB = await _h.PublishAsync(b, EventTypes.MemberJoined, new { });
        await _h.PublishAsync(a, EventTypes.MemberJoined, new { });
        await _h.Dispatcher.DeliverDueAsync();

        Assert.HasCount(1, _h.Receiver.At(path + "/a"), "A's event reaches only A's endpoint");
        Assert.HasCount(1, _h.Receiver.At(path + "/b"));
        Assert.IsNull(await _h.Endpoints.GetAsync(a, endpointB.Endpoint.Id));
        Assert.IsTrue((await _h.Endpoints.ListAsync(a, 50)).All(e => e.Id == endpointA.Endpoint.Id));
        Assert.IsEmpty(await _h.Endpoints.ListAttemptsAsync(a, endpointB.Endpoint.Id, null, 10));
        Assert.IsEmpty(await _h.Endpoints.ListAttemptsAsync(a, null, messageB, 10));
        Assert.IsFalse(await _h.Endpoints.MessageExistsAsync(a, messageB));
        Assert.AreEqual(WebhookSendOutcome.NotFound, (await _h.InTenantAsync(a, (c, t) => _h.Endpoints.ReplayAsync(c, t, a, messageB, endpointB.Endpoint.Id))).Outcome);
        Assert.AreEqual(WebhookSendOutcome.NotFound, (await _h.InTenantAsync(a, (c, t) => _h.Endpoints.ReplayAsync(c, t, a, messageB, endpointA.Endpoint.Id))).Outcome);
        Assert.IsNull(await _h.InTenantAsync(a, (c, t) => _h.Endpoints.RotateSecretAsync(c, t, a, endpointB.Endpoint.Id, null)));
        Assert.IsFalse(await _h.InTenantAsync(a, (c, t) => WebhookEndpointService.DeleteAsync(c, t, a, endpointB.Endpoint.Id)));
        // Row-level security alone, with the organization's filter left out: A's transaction sees none of B's rows.
        var visible = await _h.InTenantAsync(a, async (c, t) =>
        {
            await using var command = new Npgsql.NpgsqlCommand(
                "SELECT (SELECT count(*) FROM webhook_endpoints WHERE tenant_id = $1) + (SELECT count(*) FROM webhook_messages WHERE tenant_id = $1) + (SELECT count(*) FROM webhook_deliveries WHERE tenant_id = $1) + (SELECT count(*) FROM webhook_attempts WHERE tenant_id = $1) + (SELECT count(*) FROM webhook_endpoint_secrets WHERE tenant_id = $1)",
                c, t) { Parameters = { new() { Value = b } } };
            return (long)(await command.ExecuteScalarAsync())!;
        });
        Assert.AreEqual(0L, visible);
        Assert.IsNotNull(await _h.Endpoints.GetAsync(b, endpointB.Endpoint.Id), "B's endpoint is still there");
    }

    [TestMethod]
    public async Task Retention_removes_settled_messages_with_their_log_and_expired_secrets_but_keeps_pending_ones()
    {
        var (tenant, _) = await _h.CreateOrganizationAsync();
        var path = Path();
        var (endpoint, _) = await _h.CreateEndpointAsync(tenant, _h.Receiver.Url(path));
        var delivered = await _h.PublishAsync(tenant, EventTypes.MemberJoined, new { });
        await _h.Dispatcher.DeliverDueAsync();
        _h.Receiver.Respond = context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        };
        var retrying = await _h.PublishAsync(tenant, EventTypes.MemberJoined, new { });
        await _h.Dispatcher.DeliverDueAsync();
        await _h.InTenantAsync(tenant, (c, t) => _h.Endpoints.RotateSecretAsync(c, t, tenant, endpoint.Id, TimeSpan.FromHours(1)));

        var removed = await new WebhookRetention(_h.DataSource, Microsoft.Extensions.Options.Options.Create(_h.Options)).CleanUpAsync(_h.Clock.GetUtcNow() + TimeSpan.FromDays(31));

        Assert.IsGreaterThanOrEqualTo(1L, removed.Messages);
        Assert.IsGreaterThanOrEqualTo(1L, removed.ExpiredSecrets);
        Assert.AreEqual(0L, await _h.ScalarAsync<long>("SELECT count(*) FROM webhook_messages WHERE tenant_id = $1 AND id = $2", tenant, delivered));
        Assert.AreEqual(0L, await _h.ScalarAsync<long>("SELECT count(*) FROM webhook_attempts WHERE tenant_id = $1 AND message_id = $2", tenant, delivered), "its log goes with it");
        Assert.AreEqual(1L, await _h.ScalarAsync<long>("SELECT count(*) FROM webhook_messages WHERE tenant_id = $1 AND id = $2", tenant, retrying), "a message still being retried stays");
        Assert.AreEqual(1L, await _h.ScalarAsync<long>("SELECT count(*) FROM webhook_endpoint_secrets WHERE tenant_id = $1", tenant), "only the current secret is left");
    }

    private static string Path() => "/" + Guid.NewGuid().ToString("N");

    private static async Task SendTestAsync(Guid tenant, Guid endpointId)
    {
        var sent = await _h.InTenantAsync(tenant, (c, t) => _h.Endpoints.SendTestAsync(c, t, tenant, endpointId));
        Assert.AreEqual(WebhookSendOutcome.Queued, sent.Outcome);
        Assert.AreEqual(1, await _h.Dispatcher.DeliverDueAsync());
    }

    private static async Task PublishAndDeliverAsync(Guid tenant)
    {
        await _h.PublishAsync(tenant, EventTypes.MemberJoined, new { });
        while (await _h.Dispatcher.DeliverDueAsync() > 0)
        {
        }
    }

    /// <summary>The organization's events of a type, still in the outbox or already moved onto queues by a relay.</summary>
    private const string PublishedEvents = """
        WITH published AS (
            SELECT id, payload FROM outbox_messages WHERE tenant_id = $1 AND type = $2
            UNION ALL SELECT message_id, payload FROM queue_messages WHERE tenant_id = $1 AND type = $2)
        """;

    private static async Task<DateTimeOffset> NextAttemptAsync(Guid tenant) =>
        new(await _h.ScalarAsync<DateTime>("SELECT next_attempt_at FROM webhook_deliveries WHERE tenant_id = $1", tenant), TimeSpan.Zero);

    private static async Task AssertOrganizationToldAsync(Guid tenant, Guid owner, Guid endpointId, string reason)
    {
        var inbox = await _h.Notifications.ListAsync(tenant, owner, 10);
        Assert.AreEqual(EventTypes.WebhookEndpointDisabled, inbox.Single().Type, "the owner is told in-app");
        Assert.AreEqual($"/webhooks/endpoints/{endpointId}", inbox.Single().Link);
        var payload = await _h.ScalarAsync<string>(PublishedEvents + " SELECT payload::text FROM published LIMIT 1", tenant, EventTypes.WebhookEndpointDisabled);
        var disabled = JsonDocument.Parse(payload).RootElement;
        Assert.AreEqual(endpointId, disabled.GetProperty("endpointId").GetGuid(), "and an event goes out for email");
        Assert.AreEqual(reason, disabled.GetProperty("reason").GetString());
        Assert.AreEqual(1L, await _h.ScalarAsync<long>("SELECT count(*) FROM audit_logs WHERE tenant_id = $1 AND action = 'webhook_endpoint.disabled'", tenant));
        // And by another channel than the failing webhooks: an email queued to the owner with the template's variables.
        var endpoint = await _h.Endpoints.GetAsync(tenant, endpointId);
        Assert.AreEqual(1L, await _h.ScalarAsync<long>(
            "SELECT count(*) FROM email_messages WHERE tenant_id = $1 AND template = $2 AND recipient = $3 AND status = 'queued'",
            tenant, Platform.Email.EmailTemplates.WebhookEndpointDisabled, $"{owner:N}@owners.test"), "the owner is emailed");
        var text = await _h.ScalarAsync<string>("SELECT text_body FROM email_messages WHERE tenant_id = $1 AND template = $2", tenant, Platform.Email.EmailTemplates.WebhookEndpointDisabled);
        StringAssert.Contains(text, endpoint!.Url);
        StringAssert.Contains(text, reason == "gone" ? "Last error: HTTP 410" : "Last error: HTTP 500");
        StringAssert.Contains(text, _h.Clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture));
        Assert.AreEqual(1L, await _h.ScalarAsync<long>(PublishedEvents + " SELECT count(DISTINCT id) FROM published", tenant, Platform.Email.EmailService.SendEventType),
            "sent through the email queue");
        Assert.AreEqual(0L, await _h.ScalarAsync<long>("SELECT count(*) FROM webhook_deliveries WHERE tenant_id = $1 AND status = 'pending'", tenant), "nothing left pending");
    }
}
