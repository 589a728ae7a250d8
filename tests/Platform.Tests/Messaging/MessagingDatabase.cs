using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Data;
using Platform.Messaging;
using TestKit;

namespace Platform.Tests.Messaging;

/// <summary>
/// A migrated database for one test class, with the queue, relay and consumers acting as the application role
/// through the data source every service uses (no reset on return, so LISTEN must clean up after itself).
/// Handlers record what they did in <c>handled</c>, a plain table without row-level security.
/// </summary>
internal sealed class MessagingDatabase : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private MessagingDatabase(TestDatabase database)
    {
        Database = database;
        _services = new ServiceCollection().AddPlatformDatabase(database.AppConnectionString).BuildServiceProvider();
        DataSource = _services.GetRequiredService<NpgsqlDataSource>();
        Transport = new PostgresQueueTransport(DataSource, NullLogger<PostgresQueueTransport>.Instance);
    }

    public TestDatabase Database { get; }

    public NpgsqlDataSource DataSource { get; }

    public PostgresQueueTransport Transport { get; }

    public static async Task<MessagingDatabase> CreateAsync(string name)
    {
        var database = await TestEnvironment.CreateDatabaseAsync(name);
        await new SqlMigrationRunner(NullLogger<SqlMigrationRunner>.Instance).ApplyAsync(database.OwnerConnectionString, SqlMigration.Embedded());
        await ExecuteAsync(database.OwnerConnectionString, "CREATE TABLE handled (consumer text NOT NULL, message_id uuid NOT NULL, tenant_id uuid, handled_at timestamptz NOT NULL DEFAULT clock_timestamp())");
        return new MessagingDatabase(database);
    }

    public static IOptions<MessagingOptions> Options(Action<MessagingOptions>? configure = null)
    {
        var options = new MessagingOptions { FirstRetryDelay = TimeSpan.FromMilliseconds(10), MaxRetryDelay = TimeSpan.FromMilliseconds(50), IdlePoll = TimeSpan.FromMilliseconds(200) };
        configure?.Invoke(options);
        return Microsoft.Extensions.Options.Options.Create(options);
    }

    public MessageConsumer Consumer(string name, string queue, IOptions<MessagingOptions>? options = null, bool sharedTransaction = false) =>
        new(name, queue, Transport, DataSource, options ?? Options(), NullLogger<MessageConsumer>.Instance) { SharedTransaction = sharedTransaction };

    /// <summary>A consumer over another transport (Service Bus), with this database's inbox.</summary>
    public MessageConsumer Consumer(string name, string queue, IMessageTransport transport, IOptions<MessagingOptions>? options = null) =>
        new(name, queue, transport, DataSource, options ?? Options(), NullLogger<MessageConsumer>.Instance);

    /// <summary>A handler that records the message in <c>handled</c>, in the consumer's transaction.</summary>
    public static async Task RecordAsync(ReceivedMessage message, ConsumeContext context, string consumer, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("INSERT INTO handled (consumer, message_id, tenant_id) VALUES ($1, $2, $3)", context.Connection, context.Transaction)
        {
            Parameters = { new() { Value = consumer }, new() { Value = message.MessageId }, new() { Value = (object?)message.TenantId ?? DBNull.Value } },
        };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A change's transaction as a request runs it: keyed to the organization, the event beside the change.</summary>
    public async Task WriteEventAsync(Guid tenant, IntegrationEvent integrationEvent, bool commit = true)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await Platform.Tenancy.TenantSession.ApplyAsync(connection, transaction, tenant, userId: null, CancellationToken.None);
        await Outbox.AddAsync(connection, transaction, integrationEvent);
        if (commit)
        {
            await transaction.CommitAsync();
        }
    }

    public async Task<Guid> CreateOrganizationAsync()
    {
        var id = Guid.NewGuid();
        await ExecuteAsync(Database.OwnerConnectionString, "INSERT INTO organizations (id, slug, name) VALUES ($1, $2, 'Org')", id, $"org-{id:N}"[..30]);
        return id;
    }

    /// <summary>A scalar read as the owner (no row-level security): what is really in the tables.</summary>
    public async Task<long> CountAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(Database.OwnerConnectionString);
        await connection.OpenAsync();
        await using var command = Command(connection, sql, parameters);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        await Transport.DisposeAsync();
        await _services.DisposeAsync();
    }

    public static async Task ExecuteAsync(string connectionString, string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = Command(connection, sql, parameters);
        await command.ExecuteNonQueryAsync();
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, object[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return command;
    }
}
