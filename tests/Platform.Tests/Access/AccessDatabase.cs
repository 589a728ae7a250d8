using Platform.Audit;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Access;
using Platform.Caching;
using Platform.Data;
using Platform.Tests.Caching;
using TestKit;

namespace Platform.Tests.Access;

/// <summary>
/// A migrated and seeded database for one test class, with the services acting as the application role.
/// Tests create their own organizations and members (as the owner), so they do not see each other's data.
/// </summary>
internal sealed class AccessDatabase : IAsyncDisposable
{
    private AccessDatabase(TestDatabase database, NpgsqlDataSource appDataSource, RedisClient redis)
    {
        Database = database;
        AppDataSource = appDataSource;
        Redis = redis;
        Evaluator = new PermissionEvaluator(
            appDataSource, redis, new SharedVersions(redis, TimeProvider.System, NullLogger<SharedVersions>.Instance),
            Options.Create(new AccessControlOptions()), TimeProvider.System, NullLogger<PermissionEvaluator>.Instance);
        Roles = new RoleService(appDataSource, Evaluator, new AuditWriter(TimeProvider.System), new RequestOrigin(), NullLogger<RoleService>.Instance);
    }

    public TestDatabase Database { get; }

    public NpgsqlDataSource AppDataSource { get; }

    public RedisClient Redis { get; }

    public PermissionEvaluator Evaluator { get; }

    public RoleService Roles { get; }

    public static async Task<AccessDatabase> CreateAsync(string name)
    {
        var database = await TestEnvironment.CreateDatabaseAsync(name);
        await MigrateAsync(database);
        await PermissionCatalogueSeeder.SeedAsync(database.OwnerConnectionString);
        return await OnAsync(database);
    }

    /// <summary>The helpers on a database the caller prepared.</summary>
    public static async Task<AccessDatabase> OnAsync(TestDatabase database) =>
        new(database, NpgsqlDataSource.Create(database.AppConnectionString), await RedisTestServers.SharedClientAsync());

    public static Task MigrateAsync(TestDatabase database) =>
        new SqlMigrationRunner(NullLogger<SqlMigrationRunner>.Instance).ApplyAsync(database.OwnerConnectionString, SqlMigration.Embedded());

    public async Task<Guid> CreateOrganizationAsync()
    {
        var id = Guid.NewGuid();
        await ExecuteAsOwnerAsync("INSERT INTO organizations (id, slug, name) VALUES ($1, $2, $3)", id, $"org-{id:N}"[..30], "Org " + id.ToString("N")[..6]);
        return id;
    }

    /// <summary>A new user who is a member of <paramref name="tenantId"/> with <paramref name="roles"/> (inserted directly, as the owner).</summary>
    public async Task<Guid> CreateMemberAsync(Guid tenantId, params Guid[] roles)
    {
        var userId = Guid.NewGuid();
        await ExecuteAsOwnerAsync("INSERT INTO users (id, user_name, email) VALUES ($1, $2, $2)", userId, $"{userId:N}@example.test");
        await AddMembershipAsync(tenantId, userId, roles);
        return userId;
    }

    public async Task AddMembershipAsync(Guid tenantId, Guid userId, params Guid[] roles)
    {
        await ExecuteAsOwnerAsync("INSERT INTO organization_members (tenant_id, user_id) VALUES ($1, $2)", tenantId, userId);
        foreach (var role in roles)
        {
            await GrantAsOwnerAsync(tenantId, userId, role);
        }
    }

    public Task GrantAsOwnerAsync(Guid tenantId, Guid userId, Guid roleId) =>
        ExecuteAsOwnerAsync("INSERT INTO member_roles (tenant_id, user_id, role_id) VALUES ($1, $2, $3)", tenantId, userId, roleId);

    /// <summary>A custom role of <paramref name="tenantId"/>, inserted directly as the owner.</summary>
    public async Task<Guid> CreateCustomRoleAsOwnerAsync(Guid tenantId, string name, params string[] permissions)
    {
        var id = Guid.NewGuid();
        await ExecuteAsOwnerAsync("INSERT INTO roles (id, tenant_id, name) VALUES ($1, $2, $3)", id, tenantId, name);
        await ExecuteAsOwnerAsync("INSERT INTO role_permissions (role_id, permission_name) SELECT $1, unnest($2::text[])", id, permissions);
        return id;
    }

    public Task<int> ExecuteAsOwnerAsync(string sql, params object[] parameters) => ExecuteAsync(Database.OwnerConnectionString, null, sql, parameters);

    public Task<string[]> QueryAsOwnerAsync(string sql, params object[] parameters) => QueryAsync(Database.OwnerConnectionString, null, sql, parameters);

    /// <summary>Runs SQL as the application role in a transaction with app.tenant_id and app.user_id set.</summary>
    public Task<int> ExecuteAsAppAsync(Guid? tenantId, Guid? userId, string sql, params object[] parameters) =>
        ExecuteAsync(Database.AppConnectionString, (tenantId, userId), sql, parameters);

    public Task<string[]> QueryAsAppAsync(Guid? tenantId, Guid? userId, string sql, params object[] parameters) =>
        QueryAsync(Database.AppConnectionString, (tenantId, userId), sql, parameters);

    public async ValueTask DisposeAsync()
    {
        await AppDataSource.DisposeAsync();
        await Redis.DisposeAsync();
    }

    private static async Task<int> ExecuteAsync(string connectionString, (Guid? Tenant, Guid? User)? scope, string sql, object[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await SetScopeAsync(connection, transaction, scope);
        await using var command = Command(connection, transaction, sql, parameters);
        var rows = await command.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
        return rows;
    }

    private static async Task<string[]> QueryAsync(string connectionString, (Guid? Tenant, Guid? User)? scope, string sql, object[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await SetScopeAsync(connection, transaction, scope);
        await using var command = Command(connection, transaction, sql, parameters);
        var rows = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows.Add(reader.GetValue(0).ToString()!);
            }
        }

        await transaction.CommitAsync();
        return [.. rows];
    }

    private static async Task SetScopeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, (Guid? Tenant, Guid? User)? scope)
    {
        if (scope is { } s)
        {
            await using var set = Command(
                connection,
                transaction,
                "SELECT set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true)",
                [s.Tenant?.ToString() ?? string.Empty, s.User?.ToString() ?? string.Empty]);
            await set.ExecuteNonQueryAsync();
        }
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, object[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return command;
    }
}
