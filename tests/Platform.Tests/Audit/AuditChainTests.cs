using System.Net;
using System.Text.Json;
using Npgsql;
using Platform.Audit;

namespace Platform.Tests.Audit;

[TestClass]
public sealed class AuditChainTests
{
    private static readonly AuditWriter Writer = new(TimeProvider.System);

    [TestMethod]
    public async Task Appended_entries_form_a_valid_chain_with_what_the_caller_recorded()
    {
        await using var db = await AuditTestDatabase.CreateAsync("audit_chain");
        var tenant = Guid.NewGuid();

        var written = await db.AppendAsync(Writer, tenant, [.. Enumerable.Range(1, 5).Select(i => Entries.Update(tenant, $"cus_{i}", i))]);
        var verification = await new AuditChainVerifier(db.App).VerifyAsync(tenant);

        Assert.IsTrue(verification.IsValid, verification.FirstBreak?.Detail);
        Assert.AreEqual(5, verification.RowsChecked);
        CollectionAssert.AreEqual(new long[] { 1, 2, 3, 4, 5 }, written.Select(r => r.Sequence).ToArray());
        CollectionAssert.AreEqual(written[3].Hash, written[4].PreviousHash);
        var stored = (await new AuditQuery(db.App).ListAsync(tenant, new AuditFilter())).Items.Single(r => r.Sequence == 2);
        Assert.AreEqual("cus_2", stored.ResourceId);
        Assert.AreEqual(IPAddress.Parse("203.0.113.7"), stored.Ip);
        Assert.AreEqual("""{"after":{"name":"Acme Ltd","version":3},"before":{"name":"Acme","version":2}}""", AuditChainHash.Canonicalize(stored.Changes));
        Assert.AreEqual(written[1].OccurredAt, stored.OccurredAt, "the stored instant is the hashed one (microseconds)");
        CollectionAssert.AreEqual(written[1].Hash, stored.Hash);
    }

    [TestMethod]
    public async Task Changes_that_jsonb_rewrites_still_verify()
    {
        await using var db = await AuditTestDatabase.CreateAsync("audit_json");
        var tenant = Guid.NewGuid();
        // Exponents, duplicate and unordered keys, escapes and non-ASCII text: jsonb normalizes all of them.
        using var changes = JsonDocument.Parse("""{"z": 1e2, "a": {"y": 1.50, "x": "caf\u00e9 \"quoted\""}, "a2": [3, 2, 1], "d": 1, "d": 2}""");

        await db.AppendAsync(Writer, tenant, new AuditEntry(tenant, AuditActorType.ApiKey, Guid.NewGuid(), "plan.changed", "plan", "p1", changes.RootElement));
        var verification = await new AuditChainVerifier(db.App).VerifyAsync(tenant);

        Assert.IsTrue(verification.IsValid, verification.FirstBreak?.Detail);
        var stored = (await new AuditQuery(db.App).ListAsync(tenant, new AuditFilter())).Items.Single();
        Assert.AreEqual("""{"a":{"x":"café \"quoted\"","y":1.50},"a2":[3,2,1],"d":2,"z":100}""", AuditChainHash.Canonicalize(stored.Changes));
    }

    [TestMethod]
    public async Task A_rolled_back_transaction_leaves_no_entry_and_the_chain_stays_valid()
    {
        await using var db = await AuditTestDatabase.CreateAsync("audit_rollback");
        var tenant = Guid.NewGuid();
        await db.AppendAsync(Writer, tenant, Entries.Update(tenant, "cus_1", 1));

        await using (var connection = await db.App.OpenConnectionAsync())
        await using (var transaction = await AuditTestDatabase.BeginTenantAsync(connection, tenant))
        {
            await Writer.AppendAsync(connection, transaction, Entries.Update(tenant, "cus_rolled_back", 2));
            await transaction.RollbackAsync();
        }

        var next = await db.AppendAsync(Writer, tenant, Entries.Update(tenant, "cus_3", 3));
        var verification = await new AuditChainVerifier(db.App).VerifyAsync(tenant);

        Assert.IsTrue(verification.IsValid, verification.FirstBreak?.Detail);
        Assert.AreEqual(2, verification.RowsChecked);
        Assert.AreEqual(2, next[0].Sequence, "the rolled-back entry's position is reused");
        CollectionAssert.AreEqual(new[] { "cus_1", "cus_3" }, await AuditTestDatabase.QueryAsync(db.Owner, "SELECT resource_id FROM audit_logs ORDER BY sequence"));
    }

    [TestMethod]
    public async Task Chains_of_two_tenants_and_the_platform_are_independent()
    {
        await using var db = await AuditTestDatabase.CreateAsync("audit_two");
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());

        await db.AppendAsync(Writer, a, Entries.Update(a, "a1", 1), Entries.Update(a, "a2", 2), Entries.Update(a, "a3", 3));
        var fromB = await db.AppendAsync(Writer, b, Entries.Update(b, "b1", 1));
        var platform = await db.AppendAsync(Writer, null, new AuditEntry(null, AuditActorType.System, null, "login.failed", "user", IsSecurityEvent: true));
        await db.AppendAsync(Writer, a, Entries.Update(a, "a4", 4));
        // Breaking A's chain must not touch B's.
        await AuditTestDatabase.ExecuteAsync(db.Owner, "UPDATE audit_logs SET action = 'customer.deleted' WHERE resource_id = 'a2'");

        var verifier = new AuditChainVerifier(db.App);
        var (verifyA, verifyB, verifyPlatform) = (await verifier.VerifyAsync(a), await verifier.VerifyAsync(b), await verifier.VerifyAsync(null));

        Assert.AreEqual(1, fromB[0].Sequence);
        Assert.AreEqual(1, platform[0].Sequence);
        Assert.IsNull(platform[0].TenantId);
        Assert.AreEqual(AuditChainBreakReason.HashMismatch, verifyA.FirstBreak?.Reason);
        Assert.IsTrue(verifyB.IsValid, verifyB.FirstBreak?.Detail);
        Assert.AreEqual(1, verifyB.RowsChecked);
        Assert.IsTrue(verifyPlatform.IsValid, verifyPlatform.FirstBreak?.Detail);
        Assert.AreEqual(1, verifyPlatform.RowsChecked);
    }

    [TestMethod]
    public async Task Concurrent_appends_for_one_tenant_form_a_gap_free_valid_chain()
    {
        await using var db = await AuditTestDatabase.CreateAsync("audit_race");
        var tenant = Guid.NewGuid();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                await db.AppendAsync(Writer, tenant, Entries.Update(tenant, $"w{worker}_{i}", i));
            }
        })));
        var verification = await new AuditChainVerifier(db.App).VerifyAsync(tenant);

        Assert.IsTrue(verification.IsValid, verification.FirstBreak?.Detail);
        Assert.AreEqual(160, verification.RowsChecked);
        CollectionAssert.AreEqual(
            Enumerable.Range(1, 160).Select(i => i.ToString()).ToArray(),
            await AuditTestDatabase.QueryAsync(db.Owner, "SELECT sequence FROM audit_logs ORDER BY sequence"));
    }

    [TestMethod]
    public async Task An_entry_for_another_tenant_than_the_transactions_is_refused()
    {
        await using var db = await AuditTestDatabase.CreateAsync("audit_wrongtenant");
        var (mine, theirs) = (Guid.NewGuid(), Guid.NewGuid());
        await using var connection = await db.App.OpenConnectionAsync();
        await using var transaction = await AuditTestDatabase.BeginTenantAsync(connection, mine);

        var error = await Assert.ThrowsExactlyAsync<PostgresException>(() => Writer.AppendAsync(connection, transaction, Entries.Update(theirs, "x", 1)));

        Assert.AreEqual(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        StringAssert.Contains(error.MessageText, "row-level security");
    }

    [TestMethod]
    public async Task Altering_a_row_is_detected_at_that_row()
    {
        await using var db = await AuditTestDatabase.CreateAsync("audit_alter");
        var tenant = Guid.NewGuid();
        var written = await db.AppendAsync(Writer, tenant, [.. Enumerable.Range(1, 5).Select(i => Entries.Update(tenant, $"cus_{i}", i))]);

        await AuditTestDatabase.ExecuteAsync(db.Owner, """UPDATE audit_logs SET changes = '{"after": {"name": "Someone else"}}' WHERE id = $1""", written[2].Id);
        var verification = await new AuditChainVerifier(db.App).VerifyAsync(tenant);

        Assert.IsFalse(verification.IsValid);
        Assert.AreEqual(new AuditChainBreak(written[2].Id, 3, AuditChainBreakReason.HashMismatch, "Entry 3 was altered after it was written."), verification.FirstBreak);
        Assert.AreEqual(3, verification.RowsChecked);
    }

    [TestMethod]
    public async Task Rewriting_a_row_with_a_fresh_hash_is_detected_at_the_next_row()
    {
        await using var db = await AuditTestDatabase.CreateAsync("audit_rehash");
        var tenant = Guid.NewGuid();
        var written = await db.AppendAsync(Writer, tenant, [.. Enumerable.Range(1, 4).Select(i => Entries.Update(tenant, $"cus_{i}", i))]);
        var forged = written[1] with { Action = "customer.viewed" };

        await AuditTestDatabase.ExecuteAsync(
            db.Owner, "UPDATE audit_logs SET action = $2, hash = $3 WHERE id = $1", written[1].Id, forged.Action, AuditChainHash.Compute(forged, forged.Changes));
        var verification = await new AuditChainVerifier(db.App).VerifyAsync(tenant);

        Assert.AreEqual(written[2].Id, verification.FirstBreak?.Id);
        Assert.AreEqual(3, verification.FirstBreak?.Sequence);
        Assert.AreEqual(AuditChainBreakReason.PreviousHashMismatch, verification.FirstBreak?.Reason);
    }

    [TestMethod]
    public async Task Deleting_a_row_is_detected_as_a_gap()
    {
        await using var db = await AuditTestDatabase.CreateAsync("audit_gap");
        var tenant = Guid.NewGuid();
        var written = await db.AppendAsync(Writer, tenant, [.. Enumerable.Range(1, 5).Select(i => Entries.Update(tenant, $"cus_{i}", i))]);

        await AuditTestDatabase.ExecuteAsync(db.Owner, "DELETE FROM audit_logs WHERE id = $1", written[2].Id);
        var verification = await new AuditChainVerifier(db.App).VerifyAsync(tenant);

        Assert.AreEqual(AuditChainBreakReason.SequenceGap, verification.FirstBreak?.Reason);
        Assert.AreEqual(written[3].Id, verification.FirstBreak?.Id, "the break shows at the row after the missing one");
        Assert.AreEqual(4, verification.FirstBreak?.Sequence);
        StringAssert.Contains(verification.FirstBreak?.Detail, "Expected entry 3, found entry 4");
    }

    [TestMethod]
    public async Task Deleting_the_newest_row_is_detected_by_the_chain_head()
    {
        await using var db = await AuditTestDatabase.CreateAsync("audit_tail");
        var tenant = Guid.NewGuid();
        var written = await db.AppendAsync(Writer, tenant, [.. Enumerable.Range(1, 3).Select(i => Entries.Update(tenant, $"cus_{i}", i))]);

        await AuditTestDatabase.ExecuteAsync(db.Owner, "DELETE FROM audit_logs WHERE id = $1", written[2].Id);
        var verification = await new AuditChainVerifier(db.App).VerifyAsync(tenant);

        Assert.AreEqual(new AuditChainBreak(null, 3, AuditChainBreakReason.HeadMismatch, "The chain head records 3 entries but the log ends at entry 2."), verification.FirstBreak);
        Assert.AreEqual(2, verification.RowsChecked);
    }
}
