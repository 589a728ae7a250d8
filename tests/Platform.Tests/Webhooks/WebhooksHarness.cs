using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Platform.Access;
using Platform.Audit;
using Platform.Caching;
using Platform.Data;
using Platform.Email;
using Platform.Messaging;
using Platform.Notifications;
using Platform.Tenancy;
using Platform.Tests.Caching;
using Platform.Webhooks;
using TestKit;

namespace Platform.Tests.Webhooks;

/// <summary>
/// A migrated and seeded database for one test class, the webhook services as the Workers and Api build them (acting
/// as the application role, under row-level security), a clock the test moves, and a real receiver on loopback.
/// </summary>
internal sealed class WebhooksHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly RedisClient _redis;

    private WebhooksHarness(TestDatabase database, RedisClient redis, WebhookReceiver receiver)
    {
        Database = database;
        _redis = redis;
        Receiver = receiver;
        _services = new ServiceCollection().AddPlatformDatabase(database.AppConnectionString).BuildServiceProvider();
        DataSource = _services.GetRequiredService<NpgsqlDataSource>();
        Transport = new PostgresQueueTransport(DataSource, NullLogger<PostgresQueueTransport>.Instance);
        Clock = new ManualClock(DateTimeOffset.UtcNow);
        Options = new WebhookOptions { AllowedTargets = ["127.0.0.1"] };
        Endpoints = new WebhookEndpointService(DataSource, DataProtection, new WebhookTargetPolicy(Microsoft.Extensions.Options.Options.Create(Options)), Microsoft.Extensions.Options.Options.Create(Options), Clock);
        var emailOptions = Microsoft.Extensions.Options.Options.Create(new EmailOptions
        {
            PickupDirectory = Path.Combine(TestEnvironment.Root, "mail", "webhooks-" + Guid.NewGuid().ToString("N")[..8]),
            AppBaseUrl = "https://app.acme.test",
        });
        var emailDispatcher = new EmailDispatcher(DataSource, new SmtpEmailTransport(emailOptions), TimeProvider.System, NullLogger<EmailDispatcher>.Instance);
        Email = new EmailService(DataSource, new EmailRenderer(EmailTemplateCatalogue.Default), emailDispatcher, emailOptions, NullLogger<EmailService>.Instance);
        Notifications = new NotificationService(DataSource, redis, new AuditWriter(TimeProvider.System), new RequestOrigin(), NullLogger<NotificationService>.Instance, Email);
        Dispatcher = DispatcherWith(Options);
    }

    public TestDatabase Database { get; }

    public NpgsqlDataSource DataSource { get; }

    public PostgresQueueTransport Transport { get; }

    public ManualClock Clock { get; }

    public WebhookOptions Options { get; }

    /// <summary>One key ring for the endpoint service and every dispatcher, as replicas share theirs.</summary>
    public IDataProtectionProvider DataProtection { get; } = new EphemeralDataProtectionProvider();

    public WebhookEndpointService Endpoints { get; }

    public NotificationService Notifications { get; }

    /// <summary>The email module, as the Workers have it: notifications whose member wants email are queued through it.</summary>
    public EmailService Email { get; }

    public WebhookDispatcher Dispatcher { get; }

    public WebhookReceiver Receiver { get; }

    public static async Task<WebhooksHarness> CreateAsync(string name)
    {
        var database = await TestEnvironment.CreateDatabaseAsync(name);
        await SchemaUpdater.UpdateAsync(database.OwnerConnectionString);
        return new WebhooksHarness(database, await RedisTestServers.SharedClientAsync(), await WebhookReceiver.StartAsync());
    }

    /// <summary>A dispatcher as another replica (or another configuration: allow-list, timeout) would run it.</summary>
    public WebhookDispatcher DispatcherWith(WebhookOptions options)
    {
        var policy = new WebhookTargetPolicy(Microsoft.Extensions.Options.Options.Create(options));
        return new WebhookDispatcher(
            DataSource, WebhookDispatcher.CreateHttpClient(policy), DataProtection, Notifications, new AuditWriter(TimeProvider.System),
            Microsoft.Extensions.Options.Options.Create(options), Clock, NullLogger<WebhookDispatcher>.Instance);
    }

    /// <summary>An organization with an owner (who is told about disabled endpoints, in-app and by email).</summary>
    public async Task<(Guid Tenant, Guid Owner)> CreateOrganizationAsync()
    {
        var tenant = Guid.NewGuid();
        var owner = Guid.NewGuid();
        await using var connection = new NpgsqlConnection(Database.OwnerConnectionString);
        await connection.OpenAsync();
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new("INSERT INTO organizations (id, slug, name) VALUES ($1, $2, 'Org')") { Parameters = { new() { Value = tenant }, new() { Value = $"org-{tenant:N}"[..30] } } },
                new("INSERT INTO users (id, user_name, normalized_user_name, email, normalized_email) VALUES ($1, $2, upper($2), $2, upper($2))") { Parameters = { new() { Value = owner }, new() { Value = $"{owner:N}@owners.test" } } },
                new("INSERT INTO organization_members (tenant_id, user_id) VALUES ($1, $2)") { Parameters = { new() { Value = tenant }, new() { Value = owner } } },
                new("INSERT INTO member_roles (tenant_id, user_id, role_id) VALUES ($1, $2, $3)") { Parameters = { new() { Value = tenant }, new() { Value = owner }, new() { Value = SystemRoles.Owner.Id } } },
            },
        };
        await batch.ExecuteNonQueryAsync();
        return (tenant, owner);
    }

    /// <summary>Creates an endpoint as the Api does (in a transaction keyed to the organization); returns it with its secret.</summary>
    public async Task<(WebhookEndpoint Endpoint, string Secret)> CreateEndpointAsync(Guid tenant, string url, params string[] eventTypes)
    {
        await using var transaction = await TenantTransaction.BeginAsync(DataSource, tenant, userId: null, CancellationToken.None);
        var (endpoint, secret) = await Endpoints.CreateAsync(transaction.Connection, transaction.Transaction, tenant,
            new WebhookEndpointDraft(url, "test", eventTypes.Length == 0 ? [EventTypes.MemberJoined] : eventTypes));
        await transaction.CommitAsync(CancellationToken.None);
        return (endpoint, secret.Secret);
    }

    /// <summary>Runs <paramref name="action"/> in a transaction keyed to the organization and commits.</summary>
    public async Task<T> InTenantAsync<T>(Guid tenant, Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> action)
    {
        await using var transaction = await TenantTransaction.BeginAsync(DataSource, tenant, userId: null, CancellationToken.None);
        var result = await action(transaction.Connection, transaction.Transaction);
        await transaction.CommitAsync(CancellationToken.None);
        return result;
    }

    /// <summary>An integration event as a change writes it, relayed and consumed by the webhooks consumer: the fan-out as the Workers run it.</summary>
    public async Task<string> PublishAsync(Guid tenant, string type, object payload)
    {
        var integrationEvent = IntegrationEvent.Create(type, tenant, payload);
        await using (var connection = await DataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await TenantSession.ApplyAsync(connection, transaction, tenant, userId: null, CancellationToken.None);
            await Outbox.AddAsync(connection, transaction, integrationEvent);
            await transaction.CommitAsync();
        }

        var options = Microsoft.Extensions.Options.Options.Create(new MessagingOptions());
        while (await new OutboxRelay(DataSource, Transport, options).RelayOnceAsync() > 0)
        {
        }

        var fanOut = new WebhookFanOut(Clock);
        var consumer = new MessageConsumer(WebhookFanOut.Consumer, WebhookFanOut.Consumer, Transport, DataSource, options, NullLogger<MessageConsumer>.Instance);
        while (await consumer.ProcessOnceAsync(async (m, c, ct) => await fanOut.HandleAsync(m, c, ct)) > 0)
        {
        }

        return WebhookMessages.IdFor(integrationEvent.Id);
    }

    /// <summary>A scalar read as the owner (no row-level security): what is really in the tables.</summary>
    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(Database.OwnerConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Before a test: the receiver answers 200 "ok" and the clock reads now.</summary>
    public void Reset()
    {
        Receiver.Respond = context => context.Response.WriteAsync("ok");
        Clock.Set(DateTimeOffset.UtcNow);
    }

    /// <summary>After a test: each test counts the deliveries it makes due, so none of another test's may be left waiting.</summary>
    public Task SettleAsync() =>
        ScalarAsync<int>("WITH settled AS (UPDATE webhook_deliveries SET status = 'cancelled' WHERE status = 'pending' RETURNING 1) SELECT count(*)::int FROM settled");

    public async ValueTask DisposeAsync()
    {
        await Receiver.DisposeAsync();
        await Transport.DisposeAsync();
        await _services.DisposeAsync();
        await _redis.DisposeAsync();
    }
}
