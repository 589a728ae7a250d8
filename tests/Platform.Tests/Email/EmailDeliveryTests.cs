using System.Net.Mail;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Access;
using Platform.Audit;
using Platform.Email;
using Platform.Messaging;
using Platform.Notifications;
using Platform.Security;
using Platform.Tests.Caching;
using Platform.Tests.Messaging;
using TestKit;

namespace Platform.Tests.Email;

/// <summary>
/// Queued emails over real PostgreSQL and a real pickup folder: the send log's states, retries and dead letters through
/// the messaging machinery, organizations' versions of templates, branding, and the notification and alert channels.
/// </summary>
[TestClass]
public sealed class EmailDeliveryTests
{
    private static MessagingDatabase _db = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        _db = await MessagingDatabase.CreateAsync("email-delivery");
        await PermissionCatalogueSeeder.SeedAsync(_db.Database.OwnerConnectionString);
    }

    [ClassCleanup]
    public static async Task Stop() => await _db.DisposeAsync();

    /// <summary>Each test starts with an empty email queue: what earlier tests left is not its to deliver.</summary>
    [TestInitialize]
    public async Task EmptyTheQueue()
    {
        await OwnerExecuteAsync("DELETE FROM outbox_messages");
        await OwnerExecuteAsync("DELETE FROM queue_messages");
    }

    [TestMethod]
    public async Task A_queued_email_goes_queued_to_sent_through_the_outbox_and_the_email_queue()
    {
        var kit = Kit.Create();
        var tenant = await _db.CreateOrganizationAsync();

        var id = await kit.Email.QueueAsync(new EmailRequest(tenant, EmailTemplates.Welcome, "new@member.test", "fr",
            new Dictionary<string, object?> { ["userName"] = "Nadia", ["signInUrl"] = "https://app.test/sign-in" }));

        Assert.AreEqual("queued/0", await StateAsync(id));
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM email_messages WHERE id = $1 AND html_body IS NOT NULL", id), "kept until sent");
        Assert.IsGreaterThanOrEqualTo(1, await Kit.RelayAsync());
        Assert.AreEqual(1, await kit.ConsumeOnceAsync());
        Assert.AreEqual("sent/1", await StateAsync(id));
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM email_messages WHERE id = $1 AND html_body IS NULL AND text_body IS NULL AND sent_at IS NOT NULL", id),
            "bodies (which may hold codes) are dropped once sent");
        var mail = await File.ReadAllTextAsync(Directory.GetFiles(kit.Folder, "*.eml").Single());
        StringAssert.Contains(mail, "To: new@member.test");
        StringAssert.Contains(mail, "Bonjour Nadia,");
        StringAssert.Contains(mail, "dir=\"ltr\"");
    }

    [TestMethod]
    public async Task A_request_repeated_with_its_idempotency_key_returns_the_email_already_queued()
    {
        var kit = Kit.Create();
        var tenant = await _db.CreateOrganizationAsync();
        var other = await _db.CreateOrganizationAsync();
        var key = "step-" + Guid.NewGuid().ToString("N");

        var first = await kit.Email.QueueAsync(Welcome(tenant) with { IdempotencyKey = key });
        var again = await kit.Email.QueueAsync(Welcome(tenant) with { IdempotencyKey = key, To = "someone.else@member.test" });
        var elsewhere = await kit.Email.QueueAsync(Welcome(other) with { IdempotencyKey = key });
        var platform = await kit.Email.QueueAsync(Welcome(tenant) with { TenantId = null, IdempotencyKey = key });
        var platformAgain = await kit.Email.QueueAsync(Welcome(tenant) with { TenantId = null, IdempotencyKey = key });

        Assert.AreEqual(first, again, "the same organization and key: the email already queued");
        Assert.AreNotEqual(first, elsewhere, "keys are per organization");
        Assert.AreEqual(platform, platformAgain, "platform emails are keyed too");
        Assert.AreEqual(3, await _db.CountAsync("SELECT count(*) FROM email_messages WHERE idempotency_key = $1", key));
        Assert.AreEqual(3, await _db.CountAsync("SELECT count(*) FROM outbox_messages WHERE id IN (SELECT id FROM email_messages WHERE idempotency_key = $1)", key));
        Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM email_messages WHERE recipient = 'someone.else@member.test'"));
    }

    [TestMethod]
    public async Task A_failing_server_is_retried_with_its_error_recorded_then_the_email_is_failed_and_dead_lettered()
    {
        var failing = new ScriptedTransport(failures: int.MaxValue);
        var kit = Kit.Create(failing, maxAttempts: 3);
        var tenant = await _db.CreateOrganizationAsync();
        var id = await kit.Email.QueueAsync(Welcome(tenant));
        await Kit.RelayAsync();

        await kit.ConsumeOnceAsync();
        Assert.AreEqual("queued/1", await StateAsync(id));
        StringAssert.Contains(await LastErrorAsync(id), "Mailbox busy");

        await kit.ConsumeUntilAsync(async () => await StateAsync(id) == "failed/3");
        Assert.AreEqual(3, failing.Calls);
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM dead_letters WHERE queue = 'email' AND message_id = $1 AND attempts = 3", id));
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM email_messages WHERE id = $1 AND html_body IS NULL", id), "given up: bodies dropped");
        Assert.AreEqual(0, Directory.Exists(kit.Folder) ? Directory.GetFiles(kit.Folder).Length : 0);
    }

    [TestMethod]
    public async Task A_transient_failure_is_retried_and_then_sent_once()
    {
        var flaky = new ScriptedTransport(failures: 1);
        var kit = Kit.Create(flaky, maxAttempts: 5);
        var id = await kit.Email.QueueAsync(Welcome(await _db.CreateOrganizationAsync()));
        await Kit.RelayAsync();

        await kit.ConsumeUntilAsync(async () => (await StateAsync(id)).StartsWith("sent", StringComparison.Ordinal));

        Assert.AreEqual("sent/2", await StateAsync(id));
        Assert.AreEqual(1, flaky.Delivered.Count);
    }

    [TestMethod]
    public async Task Sending_now_delivers_at_once_and_the_queued_message_does_not_send_it_again()
    {
        var kit = Kit.Create();
        var tenant = await _db.CreateOrganizationAsync();

        var (id, status) = await kit.Email.SendAsync(Welcome(tenant));
        await Kit.RelayAsync();
        await kit.ConsumeOnceAsync();

        Assert.AreEqual(EmailStatus.Sent, status);
        Assert.AreEqual("sent/1", await StateAsync(id));
        Assert.HasCount(1, Directory.GetFiles(kit.Folder, "*.eml"));
    }

    [TestMethod]
    public async Task A_failed_immediate_attempt_is_left_queued_for_the_workers()
    {
        var flaky = new ScriptedTransport(failures: 1);
        var kit = Kit.Create(flaky);
        var (id, status) = await kit.Email.SendAsync(Welcome(await _db.CreateOrganizationAsync()));
        Assert.AreEqual(EmailStatus.Queued, status);
        Assert.AreEqual("queued/1", await StateAsync(id));

        await Kit.RelayAsync();
        await kit.ConsumeOnceAsync();

        Assert.AreEqual("sent/2", await StateAsync(id));
    }

    [TestMethod]
    public async Task An_email_queued_in_a_callers_transaction_exists_only_if_it_commits()
    {
        var kit = Kit.Create();
        var tenant = await _db.CreateOrganizationAsync();
        await using var connection = await _db.DataSource.OpenConnectionAsync();

        Guid rolledBack;
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await Platform.Tenancy.TenantSession.ApplyAsync(connection, transaction, tenant, null, CancellationToken.None);
            rolledBack = await kit.Email.QueueAsync(connection, transaction, Welcome(tenant));
            await transaction.RollbackAsync();
        }

        Guid committed;
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            // Not keyed yet: the service keys it to the email's organization.
            committed = await kit.Email.QueueAsync(connection, transaction, Welcome(tenant));
            await transaction.CommitAsync();
        }

        Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM email_messages WHERE id = $1", rolledBack));
        Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM outbox_messages WHERE id = $1", rolledBack));
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM outbox_messages WHERE id = $1 AND type = 'email.send' AND tenant_id = $2", committed, tenant));
    }

    [TestMethod]
    public async Task An_organizations_version_wins_for_its_culture_and_parts_and_the_platforms_fills_the_rest()
    {
        var kit = Kit.Create();
        var a = await _db.CreateOrganizationAsync();
        var b = await _db.CreateOrganizationAsync();
        await OwnerExecuteAsync(
            "INSERT INTO email_template_overrides (tenant_id, template_key, culture, subject, text) VALUES ($1, 'welcome', 'fr', 'Salut {{userName}} !', 'Texte maison pour {{userName}}.')", a);

        var custom = await kit.Email.RenderAsync(Welcome(a, "fr"));
        var english = await kit.Email.RenderAsync(Welcome(a, "en"));
        var other = await kit.Email.RenderAsync(Welcome(b, "fr"));

        Assert.AreEqual("Salut Nadia !", custom.Subject);
        StringAssert.Contains(custom.Text, "Texte maison pour Nadia.");
        StringAssert.Contains(custom.Html, "Votre compte", "the HTML part was not overridden: the platform's");
        Assert.AreEqual("Welcome to Org", english.Subject);
        Assert.AreEqual("Bienvenue chez Org", other.Subject, "another organization never sees it");
    }

    [TestMethod]
    public async Task The_organizations_branding_frames_the_email_and_its_name_is_escaped_in_html()
    {
        var kit = Kit.Create();
        var tenant = await _db.CreateOrganizationAsync();
        await OwnerExecuteAsync(
            "UPDATE organizations SET name = '<script>alert(1)</script>', brand_logo_url = 'https://cdn.acme.test/logo.png', brand_color = '#0f766e' WHERE id = $1", tenant);

        var email = await kit.Email.RenderAsync(Welcome(tenant, "ar"));

        StringAssert.Contains(email.Html, "<html lang=\"ar\" dir=\"rtl\">");
        StringAssert.Contains(email.Html, "background:#0f766e");
        StringAssert.Contains(email.Html, "<img src=\"https://cdn.acme.test/logo.png\" alt=\"&lt;script&gt;alert(1)&lt;/script&gt;\"");
        Assert.DoesNotContain("<script>", email.Html);
        StringAssert.Contains(email.Text, "<script>alert(1)</script>", "plain text is not HTML: nothing to escape");
    }

    [TestMethod]
    public async Task Email_tables_keep_organizations_apart_under_row_level_security()
    {
        var kit = Kit.Create();
        var a = await _db.CreateOrganizationAsync();
        var b = await _db.CreateOrganizationAsync();
        var ofB = await kit.Email.QueueAsync(Welcome(b));
        await OwnerExecuteAsync("INSERT INTO email_template_overrides (tenant_id, template_key, culture, subject) VALUES ($1, 'welcome', 'en', 'B only')", b);

        await using var connection = await _db.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await Platform.Tenancy.TenantSession.ApplyAsync(connection, transaction, a, null, CancellationToken.None);
        await using var read = new NpgsqlCommand("SELECT (SELECT count(*) FROM email_messages WHERE tenant_id = $1) + (SELECT count(*) FROM email_template_overrides WHERE tenant_id = $1)", connection, transaction)
        {
            Parameters = { new() { Value = b } },
        };
        Assert.AreEqual(0L, await read.ExecuteScalarAsync());
        await using var write = new NpgsqlCommand("INSERT INTO email_template_overrides (tenant_id, template_key, culture, subject) VALUES ($1, 'invitation', 'en', 'x')", connection, transaction)
        {
            Parameters = { new() { Value = b } },
        };
        var refused = await Assert.ThrowsAsync<PostgresException>(() => write.ExecuteNonQueryAsync());
        Assert.AreEqual(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM email_messages WHERE id = $1", ofB));
    }

    [TestMethod]
    public async Task A_notification_is_emailed_when_the_members_email_channel_is_on_and_not_when_it_is_off()
    {
        var kit = Kit.Create();
        var tenant = await _db.CreateOrganizationAsync();
        var member = await CreateMemberAsync(tenant, "Nadia");
        await using var redis = await RedisTestServers.SharedClientAsync();
        var notifications = new NotificationService(_db.DataSource, redis, new AuditWriter(TimeProvider.System), new RequestOrigin(), NullLogger<NotificationService>.Instance, kit.Email);

        await notifications.SendAsync(tenant, member.Id, "invoice.overdue", "Invoice INV-7 is overdue", "Pay it soon.", "/invoices/7");
        await OwnerExecuteAsync("INSERT INTO notification_preferences (tenant_id, user_id, type, in_app, email) VALUES ($1, $2, 'invoice.overdue', true, false)", tenant, member.Id);
        await notifications.SendAsync(tenant, member.Id, "invoice.overdue", "Invoice INV-8 is overdue");
        await OwnerExecuteAsync("INSERT INTO notification_preferences (tenant_id, user_id, type, in_app, email) VALUES ($1, $2, 'report.ready', false, true)", tenant, member.Id);
        var inApp = await notifications.SendAsync(tenant, member.Id, "report.ready", "Your report is ready");

        Assert.AreEqual(2, await _db.CountAsync("SELECT count(*) FROM email_messages WHERE tenant_id = $1 AND template = 'notification' AND recipient = $2", tenant, member.Email));
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM email_messages WHERE tenant_id = $1 AND subject = 'Invoice INV-7 is overdue'", tenant));
        Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM email_messages WHERE tenant_id = $1 AND subject = 'Invoice INV-8 is overdue'", tenant), "email channel off");
        Assert.IsNull(inApp, "in-app off, email on: emailed only");
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM email_messages WHERE tenant_id = $1 AND subject = 'Your report is ready'", tenant));
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM email_messages WHERE tenant_id = $1 AND text_body LIKE '%https://app.acme.test/invoices/7%'", tenant), "links are absolute");
    }

    [TestMethod]
    public async Task A_role_change_reaches_its_member_by_email_with_the_role_changed_template()
    {
        var kit = Kit.Create();
        var tenant = await _db.CreateOrganizationAsync();
        var member = await CreateMemberAsync(tenant, "Omar");
        await using var redis = await RedisTestServers.SharedClientAsync();
        var notifications = new NotificationService(_db.DataSource, redis, new AuditWriter(TimeProvider.System), new RequestOrigin(), NullLogger<NotificationService>.Instance, kit.Email);
        var consumer = _db.Consumer("notifications-email-test", MembershipNotifications.Consumer);
        await _db.WriteEventAsync(tenant, IntegrationEvent.Create(EventTypes.MemberRoleAssigned, tenant, new { userId = member.Id, roleId = Guid.NewGuid(), role = "Cashier" }));

        await Kit.RelayAsync();
        Assert.AreEqual(1, await consumer.ProcessOnceAsync(new MembershipNotifications(notifications).HandleAsync));

        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM email_messages WHERE tenant_id = $1 AND template = 'role_changed' AND text_body LIKE '%You were given the role Cashier in Org.%'", tenant));
    }

    [TestMethod]
    public async Task A_security_alert_is_emailed_to_owners_and_admins_when_the_organization_has_no_security_contacts()
    {
        var kit = Kit.Create();
        var tenant = await _db.CreateOrganizationAsync();
        var owner = await CreateMemberAsync(tenant, "Owner", SystemRoles.Owner.Id);
        var admin = await CreateMemberAsync(tenant, "Admin", SystemRoles.Admin.Id);
        await CreateMemberAsync(tenant, "Viewer", SystemRoles.Viewer.Id);
        var alerts = new SecurityAlertService(_db.DataSource, new AuditWriter(TimeProvider.System), Options.Create(new SecurityMonitoringOptions()), TimeProvider.System,
            NullLogger<SecurityAlertService>.Instance, kit.Email);

        await alerts.RaiseAsync(tenant, "refresh_token_reuse", SecuritySeverity.Critical, "Refresh token reuse detected", "Session family revoked.");
        await alerts.DeliverDueAsync(DateTimeOffset.UtcNow.AddSeconds(1));

        var recipients = await RecipientsAsync(tenant, "security_alert");
        CollectionAssert.AreEquivalent(new[] { owner.Email, admin.Email }, recipients);
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM email_messages WHERE tenant_id = $1 AND subject = '[critical] Security alert: Refresh token reuse detected' AND recipient = $2", tenant, owner.Email));
    }

    [TestMethod]
    public async Task A_security_alert_is_emailed_to_the_contacts_whose_minimum_severity_it_meets()
    {
        var kit = Kit.Create();
        var tenant = await _db.CreateOrganizationAsync();
        await CreateMemberAsync(tenant, "Owner", SystemRoles.Owner.Id);
        var watcher = await CreateMemberAsync(tenant, "Watcher");
        var pager = await CreateMemberAsync(tenant, "Pager");
        await OwnerExecuteAsync("INSERT INTO security_contacts (tenant_id, user_id, min_severity) VALUES ($1, $2, 'low'), ($1, $3, 'critical')", tenant, watcher.Id, pager.Id);
        var alerts = new SecurityAlertService(_db.DataSource, new AuditWriter(TimeProvider.System), Options.Create(new SecurityMonitoringOptions()), TimeProvider.System,
            NullLogger<SecurityAlertService>.Instance, kit.Email);

        await alerts.RaiseAsync(tenant, "lockout", SecuritySeverity.Medium, "Account locked out", null);
        await alerts.DeliverDueAsync(DateTimeOffset.UtcNow.AddMinutes(16));

        CollectionAssert.AreEqual(new[] { watcher.Email }, (await RecipientsAsync(tenant, "security_alert")).ToArray());
    }

    private static EmailRequest Welcome(Guid tenant, string culture = "en") =>
        new(tenant, EmailTemplates.Welcome, "nadia@member.test", culture, new Dictionary<string, object?> { ["userName"] = "Nadia", ["signInUrl"] = "https://app.test/sign-in" });

    private static async Task<string> StateAsync(Guid id) => await ScalarAsync<string>("SELECT status || '/' || attempts FROM email_messages WHERE id = $1", id);

    private static async Task<string> LastErrorAsync(Guid id) => await ScalarAsync<string>("SELECT last_error FROM email_messages WHERE id = $1", id);

    private static async Task<List<string>> RecipientsAsync(Guid tenant, string template)
    {
        await using var connection = new NpgsqlConnection(_db.Database.OwnerConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT recipient FROM email_messages WHERE tenant_id = $1 AND template = $2 ORDER BY recipient", connection)
        {
            Parameters = { new() { Value = tenant }, new() { Value = template } },
        };
        var recipients = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            recipients.Add(reader.GetString(0));
        }

        return recipients;
    }

    private static async Task<(Guid Id, string Email)> CreateMemberAsync(Guid tenant, string name, Guid? roleId = null)
    {
        var id = Guid.NewGuid();
        var email = $"{name.ToLowerInvariant()}.{id:N}@members.test";
        await OwnerExecuteAsync("INSERT INTO users (id, user_name, normalized_user_name, email, normalized_email, display_name) VALUES ($1, $2, upper($2), $2, upper($2), $3)", id, email, name);
        await OwnerExecuteAsync("INSERT INTO organization_members (tenant_id, user_id) VALUES ($1, $2)", tenant, id);
        if (roleId is { } role)
        {
            await OwnerExecuteAsync("INSERT INTO member_roles (tenant_id, user_id, role_id) VALUES ($1, $2, $3)", tenant, id, role);
        }

        return (id, email);
    }

    private static async Task OwnerExecuteAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(_db.Database.OwnerConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(_db.Database.OwnerConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>A transport that refuses its first <c>failures</c> emails like a busy server, then writes to a real pickup folder.</summary>
    private sealed class ScriptedTransport(int failures) : IEmailTransport
    {
        public int Calls { get; private set; }

        public List<OutgoingEmail> Delivered { get; } = [];

        public Task SendAsync(OutgoingEmail email, CancellationToken cancellationToken = default)
        {
            Calls++;
            if (Calls <= failures)
            {
                throw new SmtpException(SmtpStatusCode.MailboxBusy, "4.2.1 Mailbox busy, try later");
            }

            Delivered.Add(email);
            return Task.CompletedTask;
        }
    }

    /// <summary>One test's email module: its own pickup folder, the real queue, relay and consumer.</summary>
    private sealed class Kit
    {
        private MessageConsumer _consumer = null!;
        private EmailQueueConsumer _handler = null!;

        public EmailService Email { get; private init; } = null!;

        public string Folder { get; private init; } = null!;

        public static Kit Create(IEmailTransport? transport = null, int maxAttempts = 5)
        {
            var folder = Path.Combine(TestEnvironment.Root, "mail", "delivery-" + Guid.NewGuid().ToString("N")[..8]);
            var options = Options.Create(new EmailOptions { PickupDirectory = folder, MaxAttempts = maxAttempts, AppBaseUrl = "https://app.acme.test" });
            var dispatcher = new EmailDispatcher(_db.DataSource, transport ?? new SmtpEmailTransport(options), TimeProvider.System, NullLogger<EmailDispatcher>.Instance);
            var messaging = MessagingDatabase.Options();
            return new Kit
            {
                Folder = folder,
                Email = new EmailService(_db.DataSource, new EmailRenderer(EmailTemplateCatalogue.Default), dispatcher, options, NullLogger<EmailService>.Instance),
                _handler = new EmailQueueConsumer(dispatcher, options),
                _consumer = _db.Consumer(EmailService.Queue, EmailService.Queue, Options.Create(EmailQueueConsumer.ConsumerOptions(messaging.Value, options.Value))),
            };
        }

        /// <summary>Relays every pending outbox event (the Workers' relay), including other tests' (harmless: each test reads its own rows).</summary>
        public static async Task<int> RelayAsync()
        {
            var relay = new OutboxRelay(_db.DataSource, _db.Transport, MessagingDatabase.Options());
            var total = 0;
            while (await relay.RelayOnceAsync() is var sent && sent > 0)
            {
                total += sent;
            }

            return total;
        }

        public Task<int> ConsumeOnceAsync() => _consumer.ProcessOnceAsync(_handler.HandleAsync);

        /// <summary>Consumes (retries come back after their short backoff) until <paramref name="done"/> or 10 s.</summary>
        public async Task ConsumeUntilAsync(Func<Task<bool>> done)
        {
            var deadline = DateTimeOffset.UtcNow.AddSeconds(10);
            while (!await done())
            {
                Assert.IsLessThan(deadline, DateTimeOffset.UtcNow, "timed out waiting for the email queue");
                await ConsumeOnceAsync();
                await Task.Delay(20);
            }
        }
    }
}
