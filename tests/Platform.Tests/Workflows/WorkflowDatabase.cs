using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Access;
using Platform.Audit;
using Platform.Caching;
using Platform.Data;
using Platform.Email;
using Platform.Notifications;
using Platform.Workflows;
using TestKit;

namespace Platform.Tests.Workflows;

/// <summary>
/// A migrated, seeded database for one test class with the workflow services as the Workers and the Api register
/// them (application role, real Redis). Each test makes its own organizations.
/// </summary>
internal sealed class WorkflowDatabase : IAsyncDisposable
{
    private WorkflowDatabase(TestDatabase database, string redis, ServiceProvider services)
    {
        Database = database;
        RedisConnectionString = redis;
        Services = services;
    }

    public string RedisConnectionString { get; }

    public TestDatabase Database { get; }

    public ServiceProvider Services { get; }

    public NpgsqlDataSource DataSource => Services.GetRequiredService<NpgsqlDataSource>();

    public static async Task<WorkflowDatabase> CreateAsync(string name, Dictionary<string, string?>? settings = null)
    {
        var database = await TestEnvironment.CreateDatabaseAsync(name);
        await new SqlMigrationRunner(NullLogger<SqlMigrationRunner>.Instance).ApplyAsync(database.OwnerConnectionString, SqlMigration.Embedded());
        await PermissionCatalogueSeeder.SeedAsync(database.OwnerConnectionString);
        var redis = await TestEnvironment.RedisAsync();
        return new WorkflowDatabase(database, redis.ConnectionString, Build(database.AppConnectionString, redis.ConnectionString, settings));
    }

    /// <summary>Another set of services on the same database: a second Worker.</summary>
    public ServiceProvider AnotherWorker(Dictionary<string, string?>? settings = null) =>
        Build(Database.AppConnectionString, RedisConnectionString, settings);

    public static ServiceProvider Build(string connectionString, string redisConnectionString, Dictionary<string, string?>? settings)
    {
        var values = new Dictionary<string, string?>
        {
            ["PollInterval"] = "00:00:00.100",
            ["DefaultRetry:MaxAttempts"] = "3",
            ["DefaultRetry:InitialIntervalSeconds"] = "0.05",
            ["DefaultRetry:Coefficient"] = "2",
            // The SideEffectServer listens on loopback, which the SSRF guard refuses unless allowed.
            ["AllowedTargets:0"] = "127.0.0.1",
        };
        foreach (var (key, value) in settings ?? [])
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPlatformDatabase(connectionString);
        services.AddRedisClient(redisConnectionString);
        services.AddAudit();
        services.AddOptions<AccessControlOptions>();
        services.AddSingleton<PermissionEvaluator>();
        services.AddScoped<RoleService>();
        services.AddNotifications();
        // Email as the Api and Workers have it, into a pickup folder of this provider's own.
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(new EmailOptions
        {
            PickupDirectory = Path.Combine(TestEnvironment.Root, "mail", "workflows-" + Guid.NewGuid().ToString("N")[..8]),
            AppBaseUrl = "https://app.acme.test",
        }));
        services.AddSingleton(EmailTemplateCatalogue.Default);
        services.AddSingleton<EmailRenderer>();
        services.AddSingleton<IEmailTransport, SmtpEmailTransport>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<EmailDispatcher>();
        services.AddSingleton<EmailService>();
        services.AddWorkflows(configuration);
        return services.BuildServiceProvider();
    }

    public WorkflowRunner Runner => Services.GetRequiredService<WorkflowRunner>();

    /// <summary>Where this provider's emails are delivered (one .eml file each).</summary>
    public string MailFolder => Services.GetRequiredService<IOptions<EmailOptions>>().Value.PickupDirectory;

    public WorkflowOptions Options => Services.GetRequiredService<IOptions<WorkflowOptions>>().Value;

    /// <summary>Services as a request of <paramref name="actor"/> in the organization sees them.</summary>
    public AsyncServiceScope Request(Guid? actor = null)
    {
        var scope = Services.CreateAsyncScope();
        var origin = scope.ServiceProvider.GetRequiredService<RequestOrigin>();
        origin.ActorType = actor is null ? AuditActorType.System : AuditActorType.User;
        origin.ActorId = actor;
        return scope;
    }

    /// <summary>Creates and publishes <paramref name="graph"/>; returns the workflow's id.</summary>
    public async Task<Guid> PublishAsync(Guid tenant, WorkflowGraph graph, Guid? owner = null)
    {
        await using var scope = Request(owner);
        var definitions = scope.ServiceProvider.GetRequiredService<WorkflowDefinitionService>();
        var created = await definitions.CreateAsync(tenant, "Test " + Guid.NewGuid().ToString("N")[..6], null, graph);
        await definitions.PublishAsync(tenant, created.Id);
        return created.Id;
    }

    public async Task<WorkflowExecution> StartAsync(Guid tenant, Guid workflowId, JsonNode? input = null)
    {
        await using var scope = Request();
        return (await scope.ServiceProvider.GetRequiredService<WorkflowExecutionService>().StartManuallyAsync(tenant, workflowId, input))!;
    }

    public async Task<(WorkflowExecution Execution, IReadOnlyList<WorkflowStep> Steps)> GetAsync(Guid tenant, Guid executionId)
    {
        await using var scope = Request();
        return (await scope.ServiceProvider.GetRequiredService<WorkflowExecutionService>().GetAsync(tenant, executionId))!.Value;
    }

    /// <summary>Runs due executions until <paramref name="done"/> holds or the time is up.</summary>
    public async Task<WorkflowExecution> RunUntilAsync(Guid tenant, Guid executionId, Func<WorkflowExecution, bool> done, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            await Runner.RunDueAsync();
            var (execution, _) = await GetAsync(tenant, executionId);
            if (done(execution))
            {
                return execution;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"execution stayed {execution.Status} ({execution.Error}); pending {string.Join(",", execution.Pending)}");
            }

            await Task.Delay(50);
        }
    }

    public async Task<Guid> CreateOrganizationAsync()
    {
        var id = Guid.NewGuid();
        await ExecuteAsync("INSERT INTO organizations (id, slug, name) VALUES ($1, $2, 'Org')", id, $"org-{id:N}"[..30]);
        return id;
    }

    public async Task<Guid> CreateMemberAsync(Guid tenant, Guid? role = null)
    {
        var id = Guid.NewGuid();
        await ExecuteAsync("INSERT INTO users (id, user_name, normalized_user_name) VALUES ($1, $2, upper($2))", id, $"{id:N}@members.test");
        await ExecuteAsync("INSERT INTO organization_members (tenant_id, user_id) VALUES ($1, $2)", tenant, id);
        if (role is { } r)
        {
            await ExecuteAsync("INSERT INTO member_roles (tenant_id, user_id, role_id) VALUES ($1, $2, $3)", tenant, id, r);
        }

        return id;
    }

    /// <summary>A scalar as the owner (no row-level security): what is really in the tables.</summary>
    public async Task<long> CountAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(Database.OwnerConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task ExecuteAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(Database.OwnerConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync() => await Services.DisposeAsync();
}
