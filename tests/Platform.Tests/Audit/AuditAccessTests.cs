using Npgsql;
using Platform.Audit;

namespace Platform.Tests.Audit;

[TestClass]
public sealed class AuditAccessTests
{
    private static readonly AuditWriter Writer = new(TimeProvider.System);

    [TestMethod]
    [DataRow("UPDATE audit_logs SET action = 'tampered'")]
    [DataRow("DELETE FROM audit_logs")]
    [DataRow("TRUNCATE audit_logs")]
    [DataRow("DELETE FROM audit_chain_heads")]
    [DataRow("UPDATE audit_chain_heads SET sequence = 0")]
    [DataRow("INSERT INTO audit_chain_anchors (tenant_id, sequence, hash) VALUES (app_current_tenant(), 1, sha256(''))")]
    public async Task The_application_role_cannot_change_audit_history(string statement)
    {
        await using var db = await AuditTestDatabase.CreateAsync("audit_denied");
        var tenant = Guid.NewGuid();
        await db.AppendAsync(Writer, tenant, Entries.Update(tenant, "cus_1", 1), Entries.Update(tenant, "cus_2", 2));

        var error = await Assert.ThrowsExactlyAsync<PostgresException>(() => RunAsTenantAsync(db, tenant, statement));

        Assert.AreEqual(PostgresErrorCodes.InsufficientPrivilege, error.SqlState, error.MessageText);
        Assert.IsTrue((await new AuditChainVerifier(db.App).VerifyAsync(tenant)).IsValid);
        CollectionAssert.AreEqual(new[] { "2" }, await AuditTestDatabase.QueryAsync(db.Owner, "SELECT count(*) FROM audit_logs"));
    }

    [TestMethod]
    [DataRow("UPDATE audit_logs SET action = 'tampered'")]
    [DataRow("DELETE FROM audit_logs")]
    public async Task Re_granting_every_table_to_the_application_role_still_leaves_history_unchangeable(string statement)
    {
        await using var db = await AuditTestDatabase.CreateAsync("audit_regrant");
        var tenant = Guid.NewGuid();
        await db.AppendAsync(Writer, tenant, Entries.Update(tenant, "cus_1", 1));
        // What provisioning runs on every start of the AppHost.
        var appRole = new NpgsqlConnectionStringBuilder(db.Database.AppConnectionString).Username!;
        await AuditTestDatabase.ExecuteAsync(db.Superuser, $"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO \"{appRole}\"");

        var error = await Assert.ThrowsExactlyAsync<PostgresException>(() => RunAsTenantAsync(db, tenant, statement));

        Assert.AreEqual(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        StringAssert.Contains(error.MessageText, "append-only");
        CollectionAssert.AreEqual(new[] { "customer.updated" }, await AuditTestDatabase.QueryAsync(db.Owner, "SELECT action FROM audit_logs"));
    }

    [TestMethod]
    public async Task Re_granting_every_table_still_shows_nothing_through_a_partition()
    {
        await using var db = await AuditTestDatabase.CreateAsync("audit_regrant_part");
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        await db.AppendAsync(Writer, b, Entries.Update(b, "b1", 1));
        var appRole = new NpgsqlConnectionStringBuilder(db.Database.AppConnectionString).Username!;
        await AuditTestDatabase.ExecuteAsync(db.Superuser, $"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO \"{appRole}\"");
        var partition = AuditPartitionMaintenance.PartitionName(DateOnly.FromDateTime(DateTime.UtcNow));

        var seenByA = await ReadAsTenantAsync(db, a, $"SELECT resource_id FROM {partition}");
        var seenByB = await ReadAsTenantAsync(db, b, $"SELECT resource_id FROM {partition}");

        Assert.IsEmpty(seenByA);
        Assert.IsEmpty(seenByB, "a partition has row-level security with no policy: even the tenant's own rows stay behind audit_logs");
        CollectionAssert.AreEqual(new[] { "b1" }, await ReadAsTenantAsync(db, b, "SELECT resource_id FROM audit_logs"));
    }

    [TestMethod]
    public async Task A_tenant_sees_only_its_own_audit_rows()
    {
        await using var db = await AuditTestDatabase.CreateAsync("audit_rls");
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        await db.AppendAsync(Writer, a, Entries.Update(a, "a1", 1));
        await db.AppendAsync(Writer, b, Entries.Update(b, "b1", 1), Entries.Update(b, "b2", 2));
        await db.AppendAsync(Writer, null, new AuditEntry(null, AuditActorType.System, null, "platform.maintenance", "platform"));
        var partition = AuditPartitionMaintenance.PartitionName(DateOnly.FromDateTime(DateTime.UtcNow));

        var seenByA = await ReadAsTenantAsync(db, a, "SELECT resource_id FROM audit_logs");
        var partitionError = await Assert.ThrowsExactlyAsync<PostgresException>(() => ReadAsTenantAsync(db, a, $"SELECT resource_id FROM {partition}"));
        var headsSeenByA = await ReadAsTenantAsync(db, a, "SELECT tenant_id::text FROM audit_chain_heads");
        var seenWithoutTenant = await ReadAsTenantAsync(db, null, "SELECT action FROM audit_logs");
        var queriedByA = await new AuditQuery(db.App).ListAsync(a, new AuditFilter());

        CollectionAssert.AreEqual(new[] { "a1" }, seenByA);
        Assert.AreEqual(PostgresErrorCodes.InsufficientPrivilege, partitionError.SqlState, "partitions are reached only through audit_logs");
        CollectionAssert.AreEqual(new[] { a.ToString() }, headsSeenByA);
        CollectionAssert.AreEqual(new[] { "platform.maintenance" }, seenWithoutTenant, "without a tenant only platform events show");
        CollectionAssert.AreEqual(new[] { "a1" }, queriedByA.Items.Select(r => r.ResourceId).ToArray());
    }

    private static async Task RunAsTenantAsync(AuditTestDatabase db, Guid tenant, string statement)
    {
        await using var connection = await db.App.OpenConnectionAsync();
        await using var transaction = await AuditTestDatabase.BeginTenantAsync(connection, tenant);
        await using var command = new NpgsqlCommand(statement, connection, transaction);
        await command.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
    }

    private static async Task<string[]> ReadAsTenantAsync(AuditTestDatabase db, Guid? tenant, string sql)
    {
        await using var connection = await db.App.OpenConnectionAsync();
        await using var transaction = await AuditTestDatabase.BeginTenantAsync(connection, tenant);
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return [.. rows];
    }
}
