using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Platform.Audit;

namespace Platform.Tests.Audit;

[TestClass]
public sealed class AuditPartitionTests
{
    private static DateOnly ThisMonth
    {
        get
        {
            var now = DateTime.UtcNow;
            return new DateOnly(now.Year, now.Month, 1);
        }
    }

    [TestMethod]
    public async Task The_migration_creates_this_month_and_the_next_two()
    {
        await using var db = await AuditTestDatabase.CreateAsync("audit_part_mig");

        var partitions = await PartitionsAsync(db);

        CollectionAssert.AreEqual(Enumerable.Range(0, 3).Select(m => AuditPartitionMaintenance.PartitionName(ThisMonth.AddMonths(m))).ToArray(), partitions);
    }

    [TestMethod]
    public async Task Ensuring_partitions_creates_the_missing_months_once()
    {
        await using var db = await AuditTestDatabase.CreateAsync("audit_part_ensure");
        var maintenance = new AuditPartitionMaintenance(TimeProvider.System, NullLogger<AuditPartitionMaintenance>.Instance);
        await using var connection = await db.App.OpenConnectionAsync();

        var first = await maintenance.EnsurePartitionsAsync(connection, monthsAhead: 4);
        var second = await maintenance.EnsurePartitionsAsync(connection, monthsAhead: 4);

        CollectionAssert.AreEqual(new[] { 3, 4 }.Select(m => AuditPartitionMaintenance.PartitionName(ThisMonth.AddMonths(m))).ToArray(), first.ToArray());
        Assert.IsEmpty(second);
        Assert.HasCount(5, await PartitionsAsync(db));
    }

    [TestMethod]
    public async Task Entries_land_in_the_partition_of_their_month()
    {
        await using var db = await AuditTestDatabase.CreateAsync("audit_part_route");
        var tenant = Guid.NewGuid();
        var nextMonth = ThisMonth.AddMonths(1);
        // The last microsecond of this month and the first of the next, in UTC.
        var lastInstant = new DateTimeOffset(nextMonth.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddTicks(-10);
        var clock = new ManualClock(lastInstant);
        var writer = new AuditWriter(clock);

        await db.AppendAsync(writer, tenant, Entries.Update(tenant, "end_of_month", 1));
        clock.Now = lastInstant.AddTicks(10);
        await db.AppendAsync(writer, tenant, Entries.Update(tenant, "start_of_month", 2));

        CollectionAssert.AreEqual(
            new[] { $"end_of_month:{AuditPartitionMaintenance.PartitionName(ThisMonth)}", $"start_of_month:{AuditPartitionMaintenance.PartitionName(nextMonth)}" },
            await AuditTestDatabase.QueryAsync(db.Owner, "SELECT resource_id || ':' || tableoid::regclass FROM audit_logs ORDER BY sequence"));
        Assert.IsTrue((await new AuditChainVerifier(db.App).VerifyAsync(tenant)).IsValid);
    }

    [TestMethod]
    public async Task A_month_without_a_partition_is_a_clear_error()
    {
        await using var db = await AuditTestDatabase.CreateAsync("audit_part_missing");
        var writer = new AuditWriter(new ManualClock(DateTimeOffset.UtcNow.AddYears(2)));
        var tenant = Guid.NewGuid();

        var error = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => db.AppendAsync(writer, tenant, Entries.Update(tenant, "x", 1)));

        StringAssert.Contains(error.Message, "EnsurePartitionsAsync");
    }

    [TestMethod]
    public async Task Dropping_expired_partitions_removes_only_months_past_retention_and_the_chain_still_verifies()
    {
        await using var db = await AuditTestDatabase.CreateAsync("audit_part_drop");
        var tenant = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        var clock = new ManualClock(now);
        var writer = new AuditWriter(clock);
        var maintenance = new AuditPartitionMaintenance(clock, NullLogger<AuditPartitionMaintenance>.Instance);
        // Expired: a month eight years ago and the last whole month before the cutoff. Kept: the cutoff's own month, six years ago.
        var eightYears = ThisMonth.AddYears(-8);
        var justExpired = ThisMonth.AddYears(-7).AddMonths(-1);
        var cutoffMonth = ThisMonth.AddYears(-7);
        var sixYears = ThisMonth.AddYears(-6);
        foreach (var month in new[] { eightYears, justExpired, cutoffMonth, sixYears })
        {
            await AuditTestDatabase.ExecuteAsync(db.Owner, "SELECT audit_ensure_partition($1)", month);
        }

        foreach (var (month, label) in new[] { (eightYears, "eight"), (justExpired, "just_expired"), (cutoffMonth, "cutoff"), (sixYears, "six") })
        {
            clock.Now = new DateTimeOffset(month.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddDays(1);
            await db.AppendAsync(writer, tenant, Entries.Update(tenant, label, 1));
        }

        clock.Now = now;
        await db.AppendAsync(writer, tenant, Entries.Update(tenant, "today", 1));
        await using var connection = await db.App.OpenConnectionAsync();

        var dropped = await maintenance.DropExpiredAsync(connection);
        var again = await maintenance.DropExpiredAsync(connection);
        var verification = await new AuditChainVerifier(db.App).VerifyAsync(tenant);

        CollectionAssert.AreEqual(new[] { AuditPartitionMaintenance.PartitionName(eightYears), AuditPartitionMaintenance.PartitionName(justExpired) }, dropped.ToArray());
        Assert.IsEmpty(again);
        CollectionAssert.AreEqual(new[] { "cutoff", "six", "today" }, await AuditTestDatabase.QueryAsync(db.Owner, "SELECT resource_id FROM audit_logs ORDER BY sequence"));
        CollectionAssert.DoesNotContain(await PartitionsAsync(db), AuditPartitionMaintenance.PartitionName(eightYears));
        Assert.IsTrue(verification.IsValid, verification.FirstBreak?.Detail);
        Assert.AreEqual(3, verification.RowsChecked);
    }

    [TestMethod]
    public async Task The_database_refuses_a_retention_under_a_year_even_from_the_application_role()
    {
        await using var db = await AuditTestDatabase.CreateAsync("audit_part_floor");

        var error = await Assert.ThrowsExactlyAsync<PostgresException>(() =>
            AuditTestDatabase.ExecuteAsync(db.App, "SELECT audit_drop_partitions_before(now() - interval '6 months')"));

        Assert.AreEqual(PostgresErrorCodes.InvalidParameterValue, error.SqlState);
        Assert.HasCount(3, await PartitionsAsync(db));
    }

    private static Task<string[]> PartitionsAsync(AuditTestDatabase db) => AuditTestDatabase.QueryAsync(
        db.Owner, "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'audit_logs'::regclass ORDER BY c.relname");
}
