using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Data;
using Platform.Identity;
using Platform.Tenancy;
using TestKit;

namespace Platform.Tests.Tenancy;

/// <summary>
/// Isolation is enforced twice, and each layer must hold on its own: the data layer's filter
/// (with row-level security out of the way, as the table owner) and PostgreSQL's row-level
/// security (with the filter switched off, as the application role).
/// </summary>
[TestClass]
public sealed class TenantIsolationTests
{
    private static TestDatabase _db = null!;
    private static Guid _tenantA;
    private static Guid _tenantB;
    private static Guid _alice;
    private static Guid _bob;

    [ClassInitialize]
    public static async Task CreateTwoOrganizations(TestContext context)
    {
        _db = await TestEnvironment.CreateDatabaseAsync("tenancy");
        await new SqlMigrationRunner(Microsoft.Extensions.Logging.Abstractions.NullLogger<SqlMigrationRunner>.Instance)
            .ApplyAsync(_db.OwnerConnectionString, SqlMigration.Embedded());
        (_tenantA, _tenantB, _alice, _bob) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await using var owner = new NpgsqlConnection(_db.OwnerConnectionString);
        await owner.OpenAsync();
        await using var seed = new NpgsqlCommand("""
            INSERT INTO organizations (id, slug, name) VALUES (@a, 'org-a', 'A'), (@b, 'org-b', 'B');
            INSERT INTO users (id, user_name, normalized_user_name, email, normalized_email) VALUES
                (@alice, 'alice@a.test', 'ALICE@A.TEST', 'alice@a.test', 'ALICE@A.TEST'),
                (@bob, 'bob@b.test', 'BOB@B.TEST', 'bob@b.test', 'BOB@B.TEST');
            INSERT INTO organization_members (tenant_id, user_id) VALUES (@a, @alice), (@b, @bob);
            """, owner);
        seed.Parameters.AddWithValue("a", _tenantA);
        seed.Parameters.AddWithValue("b", _tenantB);
        seed.Parameters.AddWithValue("alice", _alice);
        seed.Parameters.AddWithValue("bob", _bob);
        await seed.ExecuteNonQueryAsync();
    }

    [TestMethod]
    public async Task The_data_layer_filter_alone_shows_only_the_current_tenants_rows()
    {
        // The owner is not subject to row-level security: only the query filter stands between tenants.
        await using var scope = Scope(_db.OwnerConnectionString, _tenantA);
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();

        var members = await db.Members.Select(m => m.UserId).ToListAsync();

        CollectionAssert.AreEqual(new[] { _alice }, members);
        Assert.AreEqual(2, await db.Members.IgnoreQueryFilters().CountAsync(), "both rows exist: the filter did the hiding");
    }

    [TestMethod]
    public async Task Row_level_security_alone_hides_other_tenants_rows()
    {
        await using var scope = Scope(_db.AppConnectionString, _tenantA);
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();

        var members = await db.Members.IgnoreQueryFilters().Select(m => m.UserId).ToListAsync();

        CollectionAssert.AreEqual(new[] { _alice }, members);
    }

    [TestMethod]
    public async Task Without_a_tenant_the_application_role_sees_no_tenant_rows()
    {
        await using var scope = Scope(_db.AppConnectionString, tenant: null);
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();

        Assert.AreEqual(0, await db.Members.IgnoreQueryFilters().CountAsync());
    }

    [TestMethod]
    public async Task Row_level_security_refuses_a_row_written_for_another_tenant()
    {
        await using var connection = new NpgsqlConnection(_db.AppConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT set_config('app.tenant_id', @tenant, false); INSERT INTO organization_members (tenant_id, user_id) VALUES (@other, @user)", connection);
        command.Parameters.AddWithValue("tenant", _tenantA.ToString());
        command.Parameters.AddWithValue("other", _tenantB);
        command.Parameters.AddWithValue("user", _alice);

        var error = await Assert.ThrowsExactlyAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.AreEqual(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        StringAssert.Contains(error.MessageText, "row-level security");
    }

    [TestMethod]
    public async Task The_data_layer_stamps_new_rows_with_the_current_tenant_and_refuses_another()
    {
        var carol = await CreateUserAsync("carol@a.test");
        await using (var scope = Scope(_db.AppConnectionString, _tenantA))
        {
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            db.Members.Add(new OrganizationMember { UserId = carol });
            await db.SaveChangesAsync();
        }

        await using (var scope = Scope(_db.AppConnectionString, _tenantA))
        {
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            Assert.AreEqual(_tenantA, (await db.Members.SingleAsync(m => m.UserId == carol)).TenantId);

            db.Members.Add(new OrganizationMember { TenantId = _tenantB, UserId = carol });
            await Assert.ThrowsExactlyAsync<CrossTenantWriteException>(() => db.SaveChangesAsync());
        }
    }

    [TestMethod]
    public async Task The_tenant_setting_does_not_survive_into_the_next_connection_lease()
    {
        // The pool skips its reset statements (No Reset On Close), so this holds only because every setting is transaction-local.
        var services = new ServiceCollection().AddPlatformDatabase(_db.AppConnectionString).BuildServiceProvider();
        var erin = await CreateUserAsync("erin@a.test");
        await using (var scope = services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Set(_tenantA, _alice);
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            Assert.IsGreaterThan(0, await db.Members.CountAsync(), "the lease saw tenant A's members");
            db.Members.Add(new OrganizationMember { UserId = erin });
            await db.SaveChangesAsync();
            await using var transaction = await db.Database.BeginTransactionAsync();
            Assert.IsGreaterThan(0, await db.Members.CountAsync(), "an explicit transaction sees tenant A's members");
            await transaction.CommitAsync();
        }

        // The same pool, used without a tenant: the connection must come back clean.
        var dataSource = services.GetRequiredService<NpgsqlDataSource>();
        await using var command = dataSource.CreateCommand("SELECT current_setting('app.tenant_id', true), (SELECT count(*) FROM organization_members)");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();

        Assert.IsTrue(reader.IsDBNull(0) || reader.GetString(0).Length == 0, "no tenant left on the pooled connection");
        Assert.AreEqual(0L, reader.GetInt64(1));
        await services.DisposeAsync();
    }

    [TestMethod]
    public async Task A_pooled_context_forgets_its_tenant_when_returned()
    {
        await using var services = new ServiceCollection().AddPlatformDatabase(_db.AppConnectionString).BuildServiceProvider();
        PlatformDbContext first;
        await using (var scope = services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Set(_tenantA, _alice);
            first = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            Assert.IsGreaterThan(0, await first.Members.CountAsync());
        }

        await using (var scope = services.CreateAsyncScope())
        {
            var second = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();

            Assert.AreSame(first, second, "the pool handed the same context out again");
            Assert.IsNull(second.CurrentTenantId);
            Assert.AreEqual(0, await second.Members.CountAsync());
            second.Members.Add(new OrganizationMember { TenantId = _tenantA, UserId = _alice });
            await Assert.ThrowsExactlyAsync<TenantRequiredException>(() => second.SaveChangesAsync());
        }
    }

    [TestMethod]
    public async Task Each_command_reads_as_the_tenant_current_when_it_runs()
    {
        await using var scope = Scope(_db.AppConnectionString, _tenantA);
        var tenant = scope.ServiceProvider.GetRequiredService<TenantContext>();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        await db.Database.OpenConnectionAsync();

        var inA = await db.Database.SqlQuery<Guid>($"SELECT user_id AS \"Value\" FROM organization_members").ToListAsync();
        tenant.Reset();
        tenant.Set(_tenantB, _bob);
        var inB = await db.Database.SqlQuery<Guid>($"SELECT user_id AS \"Value\" FROM organization_members").ToListAsync();

        // Row-level security alone (raw SQL skips EF's filter), on one open connection.
        CollectionAssert.Contains(inA, _alice);
        CollectionAssert.DoesNotContain(inA, _bob);
        CollectionAssert.AreEqual(new[] { _bob }, inB);
    }

    [TestMethod]
    public async Task Every_policy_reads_the_tenant_once_per_statement()
    {
        // A bare app_current_tenant() in a policy is re-evaluated for every row it filters; (SELECT app_current_tenant()) once.
        await using var owner = new NpgsqlConnection(_db.OwnerConnectionString);
        await owner.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT tablename || '.' || policyname FROM pg_policies,
                LATERAL (SELECT coalesce(qual, '') || ' ' || coalesce(with_check, '') AS text) AS p
            WHERE schemaname = 'public'
              AND (SELECT count(*) FROM regexp_matches(p.text, 'app_current_(tenant|user)\(\)', 'g'))
                <> (SELECT count(*) FROM regexp_matches(p.text, 'SELECT app_current_(tenant|user)\(\)', 'g'))
            """, owner);
        var offenders = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                offenders.Add(reader.GetString(0));
            }
        }

        Assert.IsEmpty(offenders, "policies calling app_current_tenant()/app_current_user() per row: " + string.Join(", ", offenders));
    }

    [TestMethod]
    public async Task Users_map_onto_the_identity_schema()
    {
        await using var scope = Scope(_db.AppConnectionString, _tenantA);
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();

        var alice = await db.Users.SingleAsync(u => u.NormalizedEmail == "ALICE@A.TEST");
        db.Users.Add(new PlatformUser { Id = Guid.NewGuid(), UserName = "dave@a.test", NormalizedUserName = "DAVE@A.TEST", DisplayName = "Dave" });
        await db.SaveChangesAsync();

        Assert.AreEqual(_alice, alice.Id);
    }

    private static async Task<Guid> CreateUserAsync(string email)
    {
        var id = Guid.NewGuid();
        await using var owner = new NpgsqlConnection(_db.OwnerConnectionString);
        await owner.OpenAsync();
        await using var command = new NpgsqlCommand("INSERT INTO users (id, user_name, normalized_user_name) VALUES ($1, $2, upper($2))", owner)
        {
            Parameters = { new() { Value = id }, new() { Value = email } },
        };
        await command.ExecuteNonQueryAsync();
        return id;
    }

    private static AsyncServiceScope Scope(string connectionString, Guid? tenant)
    {
        var services = new ServiceCollection().AddPlatformDatabase(connectionString).BuildServiceProvider();
        var scope = services.CreateAsyncScope();
        if (tenant is { } id)
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Set(id, userId: null);
        }

        return scope;
    }
}
