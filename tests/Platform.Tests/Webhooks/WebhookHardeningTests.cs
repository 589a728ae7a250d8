using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.Messaging;
using Platform.Webhooks;

namespace Platform.Tests.Webhooks;

/// <summary>
/// What a hostile or broken receiver, a damaged secret or a quiet week cannot do: roll back a recorded attempt, stop
/// the other deliveries of a batch, or disable an endpoint that has not been failing for 5 days.
/// </summary>
[TestClass]
public sealed class WebhookHardeningTests
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static WebhooksHarness _h = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context) => _h = await WebhooksHarness.CreateAsync("webhook-hardening");

    [ClassCleanup]
    public static async Task Stop() => await _h.DisposeAsync();

    [TestInitialize]
    public void Reset() => _h.Reset();

    [TestCleanup]
    public Task Settle() => _h.SettleAsync();

    [TestMethod]
    [DataRow("nul", 200)]
    [DataRow("nul", 500)]
    [DataRow("ff", 200)]
    [DataRow("ff", 500)]
    [DataRow("emoji-across-the-cut", 200)]
    [DataRow("emoji-across-the-cut", 500)]
    [DataRow("emoji-between-invalid-bytes", 200)]
    [DataRow("emoji-between-invalid-bytes", 500)]
    public async Task Whatever_bytes_a_receiver_answers_the_attempt_is_recorded_with_a_clean_excerpt(string kind, int status)
    {
        var (tenant, _) = await _h.CreateOrganizationAsync();
        var path = Path();
        var (endpoint, _) = await _h.CreateEndpointAsync(tenant, _h.Receiver.Url(path));
        var emoji = Encoding.UTF8.GetBytes("😀");
        byte[] answer = kind switch
        {
            "nul" => [.. "ok"u8, 0, 0, .. "done"u8],
            "ff" => [.. "bad "u8, 0xFF, 0xFE, 0xFF, .. " bytes"u8],
            // The 4-byte character starts 2 bytes before the 1 KB cut.
            "emoji-across-the-cut" => [.. Enumerable.Repeat((byte)'a', 1022), .. emoji, .. "tail"u8],
            // Replacement characters make the text longer than the bytes read: cutting it back must not split the emoji.
            _ => [.. Enumerable.Repeat((byte)'a', 1018), 0xFF, .. emoji, 0xFF, .. "tail"u8],
        };
        _h.Receiver.Respond = async context =>
        {
            context.Response.StatusCode = status;
            await context.Response.Body.WriteAsync(answer);
        };
        await _h.PublishAsync(tenant, EventTypes.MemberJoined, new { });

        Assert.AreEqual(1, await _h.Dispatcher.DeliverDueAsync());

        Assert.AreEqual(status == 200 ? "succeeded" : "pending", await _h.ScalarAsync<string>("SELECT status FROM webhook_deliveries WHERE tenant_id = $1", tenant));
        Assert.AreEqual(1, await _h.ScalarAsync<int>("SELECT attempts FROM webhook_deliveries WHERE tenant_id = $1", tenant), "the attempt counts");
        Assert.AreEqual(0L, await _h.ScalarAsync<long>("SELECT count(*) FROM webhook_deliveries WHERE tenant_id = $1 AND lease_token IS NOT NULL", tenant), "and its lease is released");
        var attempt = (await _h.Endpoints.ListAttemptsAsync(tenant, endpoint.Id, null, 10)).Single();
        Assert.AreEqual(status, attempt.StatusCode);
        var excerpt = attempt.ResponseBody!;
        Assert.DoesNotContain("\0", excerpt);
        Assert.IsLessThanOrEqualTo(WebhookDispatcher.ResponseExcerptBytes, StrictUtf8.GetByteCount(excerpt), "valid UTF-8 (no lone surrogate), at most 1 KB");
        switch (kind)
        {
            case "nul":
                Assert.AreEqual("ok\uFFFD\uFFFDdone", excerpt);
                break;
            case "ff":
                Assert.AreEqual("bad \uFFFD\uFFFD\uFFFD bytes", excerpt);
                break;
            case "emoji-across-the-cut":
                Assert.AreEqual(new string('a', 1022), excerpt, "the cut character is dropped whole");
                break;
            default:
                Assert.AreEqual(new string('a', 1018) + "\uFFFD", excerpt, "the emoji that no longer fits is dropped whole");
                break;
        }
    }

    [TestMethod]
    public async Task A_log_entry_postgresql_refuses_never_undoes_the_recorded_attempt()
    {
        var (tenant, _) = await _h.CreateOrganizationAsync();
        var path = Path();
        var (endpoint, _) = await _h.CreateEndpointAsync(tenant, _h.Receiver.Url(path));
        // Whatever PostgreSQL may refuse in a log row, made certain for this endpoint only.
        await _h.ScalarAsync<object>(
            $"""
            CREATE FUNCTION refuse_log_{endpoint.Id:N}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.endpoint_id = '{endpoint.Id}' THEN RAISE EXCEPTION 'log refused'; END IF; RETURN NEW; END $$
            """);
        await _h.ScalarAsync<object>($"CREATE TRIGGER refuse_log_{endpoint.Id:N} BEFORE INSERT ON webhook_attempts FOR EACH ROW EXECUTE FUNCTION refuse_log_{endpoint.Id:N}()");
        try
        {
            await _h.PublishAsync(tenant, EventTypes.MemberJoined, new { });

            Assert.AreEqual(1, await _h.Dispatcher.DeliverDueAsync());

            Assert.AreEqual("succeeded", await _h.ScalarAsync<string>("SELECT status FROM webhook_deliveries WHERE tenant_id = $1", tenant), "not sent again every lease");
            Assert.AreEqual(1, await _h.ScalarAsync<int>("SELECT attempts FROM webhook_deliveries WHERE tenant_id = $1", tenant));
            Assert.IsEmpty(await _h.Endpoints.ListAttemptsAsync(tenant, endpoint.Id, null, 10), "only the log entry is lost");
            _h.Clock.Advance(_h.Options.DeliveryLease * 2);
            Assert.AreEqual(0, await _h.Dispatcher.DeliverDueAsync());
            Assert.HasCount(1, _h.Receiver.At(path));
        }
        finally
        {
            await _h.ScalarAsync<object>($"DROP TRIGGER refuse_log_{endpoint.Id:N} ON webhook_attempts");
            await _h.ScalarAsync<object>($"DROP FUNCTION refuse_log_{endpoint.Id:N}()");
        }
    }

    [TestMethod]
    public async Task A_secret_that_cannot_be_read_fails_its_own_delivery_and_the_rest_of_the_batch_is_sent()
    {
        var (tenant, _) = await _h.CreateOrganizationAsync();
        var path = Path();
        var unreadable = await _h.CreateEndpointAsync(tenant, _h.Receiver.Url(path + "/unreadable"));
        var malformed = await _h.CreateEndpointAsync(tenant, _h.Receiver.Url(path + "/malformed"));
        var healthy = await _h.CreateEndpointAsync(tenant, _h.Receiver.Url(path + "/healthy"));
        // Protected under a key the ring does not have (CryptographicException), and a readable secret that is not base64 (FormatException).
        await _h.ScalarAsync<int>("WITH u AS (UPDATE webhook_endpoint_secrets SET protected = 'CfDJ8not-a-payload' WHERE endpoint_id = $1 RETURNING 1) SELECT count(*)::int FROM u", unreadable.Endpoint.Id);
        var protector = _h.DataProtection.CreateProtector(WebhookEndpointService.SecretPurpose);
        await _h.ScalarAsync<int>("WITH u AS (UPDATE webhook_endpoint_secrets SET protected = $2 WHERE endpoint_id = $1 RETURNING 1) SELECT count(*)::int FROM u",
            malformed.Endpoint.Id, protector.Protect("whsec_%%%-not-base64-%%%"));
        await _h.PublishAsync(tenant, EventTypes.MemberJoined, new { });

        Assert.AreEqual(3, await _h.Dispatcher.DeliverDueAsync());

        Assert.HasCount(1, _h.Receiver.At(path + "/healthy"));
        Assert.IsEmpty(_h.Receiver.At(path + "/unreadable"));
        Assert.IsEmpty(_h.Receiver.At(path + "/malformed"));
        Assert.AreEqual("succeeded", await StatusAsync(tenant, healthy.Endpoint.Id));
        foreach (var broken in new[] { unreadable.Endpoint.Id, malformed.Endpoint.Id })
        {
            Assert.AreEqual("pending", await StatusAsync(tenant, broken), "retried on the schedule");
            var attempt = (await _h.Endpoints.ListAttemptsAsync(tenant, broken, null, 10)).Single();
            Assert.IsFalse(attempt.Succeeded);
            Assert.IsNull(attempt.StatusCode);
            StringAssert.Contains(attempt.Error, "could not sign");
        }
    }

    [TestMethod]
    public async Task A_failure_streak_restarts_after_a_quiet_day_so_failures_days_apart_do_not_disable_the_endpoint()
    {
        var (tenant, _) = await _h.CreateOrganizationAsync();
        var path = Path();
        var (endpoint, _) = await _h.CreateEndpointAsync(tenant, _h.Receiver.Url(path));
        _h.Receiver.Respond = context =>
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return Task.CompletedTask;
        };
        await PublishAndDeliverAsync(tenant);

        _h.Clock.Advance(TimeSpan.FromDays(2));
        var restarted = _h.Clock.GetUtcNow();
        await PublishAndDeliverAsync(tenant);
        Assert.AreEqual(restarted, (await _h.Endpoints.GetAsync(tenant, endpoint.Id))!.FailingSince, "two days without a failure: a new streak");

        // Failures every 20 hours from there: one streak, 5 days long after 6 of them.
        for (var step = 1; step <= 5; step++)
        {
            _h.Clock.Advance(TimeSpan.FromHours(20));
            await PublishAndDeliverAsync(tenant);
            Assert.IsTrue((await _h.Endpoints.GetAsync(tenant, endpoint.Id))!.Enabled, $"{step * 20} h into the streak");
            Assert.AreEqual(restarted, (await _h.Endpoints.GetAsync(tenant, endpoint.Id))!.FailingSince);
        }

        _h.Clock.Advance(TimeSpan.FromHours(20));
        await PublishAndDeliverAsync(tenant);
        var stored = await _h.Endpoints.GetAsync(tenant, endpoint.Id);
        Assert.IsFalse(stored!.Enabled, "5 days of failures with none more than a day apart");
        Assert.AreEqual("failing", stored.DisabledReason);
    }

    [TestMethod]
    public async Task A_new_url_clears_the_failure_streak_and_the_same_url_keeps_it()
    {
        var (tenant, _) = await _h.CreateOrganizationAsync();
        var path = Path();
        var (endpoint, _) = await _h.CreateEndpointAsync(tenant, _h.Receiver.Url(path));
        _h.Receiver.Respond = context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        };
        await PublishAndDeliverAsync(tenant);

        var same = await _h.InTenantAsync(tenant, (c, t) => _h.Endpoints.UpdateAsync(c, t, tenant, endpoint.Id, new WebhookEndpointDraft(endpoint.Url, "renamed", [EventTypes.MemberJoined])));
        var moved = await _h.InTenantAsync(tenant, (c, t) => _h.Endpoints.UpdateAsync(c, t, tenant, endpoint.Id, new WebhookEndpointDraft(_h.Receiver.Url(path + "/v2"), "moved", [EventTypes.MemberJoined])));

        Assert.IsNotNull(same!.FailingSince, "a description change says nothing about the receiver");
        Assert.IsNull(moved!.FailingSince, "another URL is another receiver");
        Assert.IsNull(await _h.ScalarAsync<object>("SELECT last_failure_at FROM webhook_endpoints WHERE id = $1", endpoint.Id) as DateTime?);
    }

    [TestMethod]
    public async Task A_host_name_saved_by_an_allow_listed_name_is_refused_at_connect_time_without_naming_its_address()
    {
        var (tenant, _) = await _h.CreateOrganizationAsync();
        var path = Path();
        var byName = new WebhookOptions { AllowedTargets = ["localhost"] };
        var endpoints = new WebhookEndpointService(_h.DataSource, _h.DataProtection, new WebhookTargetPolicy(Options.Create(byName)), Options.Create(byName), _h.Clock);
        var url = $"http://localhost:{_h.Receiver.BaseAddress.Port}{path}";
        var endpoint = await _h.InTenantAsync(tenant, async (c, t) => (await endpoints.CreateAsync(c, t, tenant, new WebhookEndpointDraft(url, "", [EventTypes.MemberJoined]))).Endpoint);
        await _h.PublishAsync(tenant, EventTypes.MemberJoined, new { });

        // The operator no longer allows the name: localhost resolves to loopback, which is refused.
        await _h.DispatcherWith(new WebhookOptions()).DeliverDueAsync();

        var attempt = (await _h.Endpoints.ListAttemptsAsync(tenant, endpoint.Id, null, 10)).Single();
        Assert.AreEqual("Refused: " + WebhookTargetPolicy.RefusedMessage, attempt.Error);
        Assert.DoesNotContain("127.0.0.1", attempt.Error!);
        Assert.DoesNotContain("::1", attempt.Error!);
        Assert.IsEmpty(_h.Receiver.At(path));
    }

    [TestMethod]
    public async Task A_410_on_a_replay_disables_the_endpoint()
    {
        var (tenant, _) = await _h.CreateOrganizationAsync();
        var path = Path();
        var (endpoint, _) = await _h.CreateEndpointAsync(tenant, _h.Receiver.Url(path));
        var messageId = await _h.PublishAsync(tenant, EventTypes.MemberJoined, new { });
        await _h.Dispatcher.DeliverDueAsync();
        _h.Receiver.Respond = context =>
        {
            context.Response.StatusCode = StatusCodes.Status410Gone;
            return Task.CompletedTask;
        };

        var replay = await _h.InTenantAsync(tenant, (c, t) => _h.Endpoints.ReplayAsync(c, t, tenant, messageId, endpoint.Id));
        Assert.AreEqual(1, await _h.Dispatcher.DeliverDueAsync());

        Assert.AreEqual(WebhookSendOutcome.Queued, replay.Outcome);
        var stored = await _h.Endpoints.GetAsync(tenant, endpoint.Id);
        Assert.IsFalse(stored!.Enabled);
        Assert.AreEqual("gone", stored.DisabledReason);
        var last = (await _h.Endpoints.ListAttemptsAsync(tenant, endpoint.Id, null, 1)).Single();
        Assert.AreEqual(("replay", 410), (last.Trigger, last.StatusCode));
        Assert.AreEqual(WebhookSendOutcome.EndpointDisabled, (await _h.InTenantAsync(tenant, (c, t) => _h.Endpoints.ReplayAsync(c, t, tenant, messageId, endpoint.Id))).Outcome);
    }

    [TestMethod]
    public async Task An_owner_who_turned_the_email_off_is_told_in_app_only()
    {
        var (tenant, owner) = await _h.CreateOrganizationAsync();
        await _h.Notifications.SetPreferenceAsync(tenant, owner, new Platform.Notifications.NotificationPreference(EventTypes.WebhookEndpointDisabled, InApp: true, Email: false));
        var (endpoint, _) = await _h.CreateEndpointAsync(tenant, _h.Receiver.Url(Path()));
        _h.Receiver.Respond = context =>
        {
            context.Response.StatusCode = StatusCodes.Status410Gone;
            return Task.CompletedTask;
        };
        await _h.PublishAsync(tenant, EventTypes.MemberJoined, new { });

        await _h.Dispatcher.DeliverDueAsync();

        Assert.IsFalse((await _h.Endpoints.GetAsync(tenant, endpoint.Id))!.Enabled);
        Assert.HasCount(1, await _h.Notifications.ListAsync(tenant, owner, 10));
        Assert.AreEqual(0L, await _h.ScalarAsync<long>("SELECT count(*) FROM email_messages WHERE tenant_id = $1", tenant), "their preference is respected");
    }

    [TestMethod]
    public async Task An_owner_whose_email_cannot_be_sent_is_told_in_app_and_the_endpoint_is_disabled_all_the_same()
    {
        var (tenant, owner) = await _h.CreateOrganizationAsync();
        await _h.ScalarAsync<int>("WITH u AS (UPDATE users SET email = 'not an address' WHERE id = $1 RETURNING 1) SELECT count(*)::int FROM u", owner);
        var (endpoint, _) = await _h.CreateEndpointAsync(tenant, _h.Receiver.Url(Path()));
        _h.Receiver.Respond = context =>
        {
            context.Response.StatusCode = StatusCodes.Status410Gone;
            return Task.CompletedTask;
        };
        await _h.PublishAsync(tenant, EventTypes.MemberJoined, new { });

        await _h.Dispatcher.DeliverDueAsync();

        Assert.AreEqual("gone", (await _h.Endpoints.GetAsync(tenant, endpoint.Id))!.DisabledReason);
        Assert.AreEqual("failed", await _h.ScalarAsync<string>("SELECT status FROM webhook_deliveries WHERE tenant_id = $1", tenant), "recorded, not sent again every lease");
        Assert.HasCount(1, await _h.Notifications.ListAsync(tenant, owner, 10));
        Assert.AreEqual(0L, await _h.ScalarAsync<long>("SELECT count(*) FROM email_messages WHERE tenant_id = $1", tenant));
    }

    [TestMethod]
    public async Task An_organization_has_at_most_the_configured_number_of_endpoints()
    {
        var (tenant, _) = await _h.CreateOrganizationAsync();
        var (other, _) = await _h.CreateOrganizationAsync();
        var two = new WebhookOptions { AllowedTargets = ["127.0.0.1"], MaxEndpointsPerOrganization = 2 };
        var endpoints = new WebhookEndpointService(_h.DataSource, _h.DataProtection, new WebhookTargetPolicy(Options.Create(two)), Options.Create(two), _h.Clock);
        Task<(WebhookEndpoint, WebhookSecretIssued)> CreateAsync(Guid organization) =>
            _h.InTenantAsync(organization, (c, t) => endpoints.CreateAsync(c, t, organization, new WebhookEndpointDraft(_h.Receiver.Url(Path()), "", [EventTypes.MemberJoined])));

        await CreateAsync(tenant);
        var (second, _) = await CreateAsync(tenant);
        var refused = await Assert.ThrowsExactlyAsync<WebhookEndpointLimitException>(() => CreateAsync(tenant));
        await CreateAsync(other);
        await _h.InTenantAsync(tenant, (c, t) => WebhookEndpointService.DeleteAsync(c, t, tenant, second.Id));
        await CreateAsync(tenant);

        Assert.AreEqual(2, refused.Max);
        Assert.AreEqual(2L, await _h.ScalarAsync<long>("SELECT count(*) FROM webhook_endpoints WHERE tenant_id = $1", tenant), "a deleted endpoint frees its place");
        Assert.AreEqual(1L, await _h.ScalarAsync<long>("SELECT count(*) FROM webhook_endpoints WHERE tenant_id = $1", other), "each organization counts its own");
    }

    [TestMethod]
    [DataRow(20, 15, 120, true)]
    [DataRow(20, 30, 120, true)]
    [DataRow(100, 30, 120, false)]
    [DataRow(20, 40, 120, false)]
    [DataRow(8, 15, 40, false)]
    [DataRow(8, 15, 45, true)]
    public void The_delivery_lease_must_cover_a_whole_batch(int batchSize, int timeoutSeconds, int leaseSeconds, bool valid)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new Microsoft.Extensions.Hosting.HostApplicationBuilderSettings { EnvironmentName = "Development" });
        builder.Configuration["Webhooks:DeliveryBatchSize"] = batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
        builder.Configuration["Webhooks:RequestTimeout"] = TimeSpan.FromSeconds(timeoutSeconds).ToString();
        builder.Configuration["Webhooks:DeliveryLease"] = TimeSpan.FromSeconds(leaseSeconds).ToString();
        builder.AddWebhooks();
        using var services = builder.Services.BuildServiceProvider();

        if (valid)
        {
            Assert.AreEqual(batchSize, services.GetRequiredService<IOptions<WebhookOptions>>().Value.DeliveryBatchSize);
        }
        else
        {
            var refused = Assert.ThrowsExactly<OptionsValidationException>(() => services.GetRequiredService<IOptions<WebhookOptions>>().Value);
            StringAssert.Contains(refused.Message, "Webhooks:DeliveryLease");
        }
    }

    [TestMethod]
    public async Task Recovering_an_endpoint_sends_its_deliveries_that_failed_since_a_time_again()
    {
        var (tenant, _) = await _h.CreateOrganizationAsync();
        var (other, _) = await _h.CreateOrganizationAsync();
        var path = Path();
        var (endpoint, _) = await _h.CreateEndpointAsync(tenant, _h.Receiver.Url(path));
        var start = _h.Clock.GetUtcNow();
        var messages = new List<string>();
        for (var hour = 0; hour < 3; hour++)
        {
            _h.Clock.Set(start + TimeSpan.FromHours(hour));
            messages.Add(await _h.PublishAsync(tenant, EventTypes.MemberJoined, new { hour }));
        }

        // What an outage leaves once the schedule is exhausted.
        await _h.ScalarAsync<int>("WITH f AS (UPDATE webhook_deliveries SET status = 'failed', attempts = 8, next_attempt_at = NULL WHERE tenant_id = $1 RETURNING 1) SELECT count(*)::int FROM f", tenant);
        _h.Clock.Set(start + TimeSpan.FromHours(5));

        var recovered = await _h.InTenantAsync(tenant, (c, t) => _h.Endpoints.RecoverAsync(c, t, tenant, endpoint.Id, start + TimeSpan.FromMinutes(30)));
        Assert.AreEqual(2, await _h.Dispatcher.DeliverDueAsync());

        Assert.AreEqual(new WebhookRecoverResult(WebhookSendOutcome.Queued, 2), recovered);
        CollectionAssert.AreEquivalent(messages[1..], _h.Receiver.At(path).Select(r => r.Headers["webhook-id"]).ToList(), "the same ids, only those since the time given");
        Assert.AreEqual("failed", await _h.ScalarAsync<string>("SELECT status FROM webhook_deliveries WHERE tenant_id = $1 AND message_id = $2", tenant, messages[0]));
        Assert.IsTrue((await _h.Endpoints.ListAttemptsAsync(tenant, endpoint.Id, null, 10)).All(a => a.Trigger == "replay" && a.Succeeded));
        Assert.AreEqual(WebhookSendOutcome.NotFound, (await _h.InTenantAsync(other, (c, t) => _h.Endpoints.RecoverAsync(c, t, other, endpoint.Id, start))).Outcome, "not another organization's");
        await Assert.ThrowsExactlyAsync<Platform.Validation.ValidationFailedException>(() =>
            _h.InTenantAsync(tenant, (c, t) => _h.Endpoints.RecoverAsync(c, t, tenant, endpoint.Id, _h.Clock.GetUtcNow() + TimeSpan.FromHours(1))));
        await Assert.ThrowsExactlyAsync<Platform.Validation.ValidationFailedException>(() =>
            _h.InTenantAsync(tenant, (c, t) => _h.Endpoints.RecoverAsync(c, t, tenant, endpoint.Id, null)));
        await _h.InTenantAsync(tenant, (c, t) => _h.Endpoints.UpdateAsync(c, t, tenant, endpoint.Id, new WebhookEndpointDraft(endpoint.Url, "", [EventTypes.MemberJoined], Enabled: false)));
        Assert.AreEqual(WebhookSendOutcome.EndpointDisabled, (await _h.InTenantAsync(tenant, (c, t) => _h.Endpoints.RecoverAsync(c, t, tenant, endpoint.Id, start))).Outcome);
    }

    private static string Path() => "/" + Guid.NewGuid().ToString("N");

    private static Task<string> StatusAsync(Guid tenant, Guid endpointId) =>
        _h.ScalarAsync<string>("SELECT status FROM webhook_deliveries WHERE tenant_id = $1 AND endpoint_id = $2", tenant, endpointId);

    private static async Task PublishAndDeliverAsync(Guid tenant)
    {
        await _h.PublishAsync(tenant, EventTypes.MemberJoined, new { });
        while (await _h.Dispatcher.DeliverDueAsync() > 0)
        {
        }
    }
}
