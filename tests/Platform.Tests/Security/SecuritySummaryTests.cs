using Platform.Audit;
using Platform.Security;

namespace Platform.Tests.Security;

[TestClass]
public sealed class SecuritySummaryTests
{
    // Midnight UTC on the first of next month: inside the partitions the migrations create.
    private static readonly DateTimeOffset Start = new DateTimeOffset(DateTime.UtcNow.Year, DateTime.UtcNow.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
    private static SecurityTestDatabase _db = null!;

    [ClassInitialize]
    public static async Task Initialize(TestContext _) => _db = await SecurityTestDatabase.CreateAsync("security_summary");

    [ClassCleanup]
    public static async Task Cleanup() => await _db.DisposeAsync();

    [TestMethod]
    public async Task Counts_security_events_by_type_and_hour()
    {
        var (services, tenant) = await ArrangeAsync();

        var summary = await services.Summary.GetAsync(tenant, Start, Start.AddHours(3), SecuritySummaryBucket.Hour);

        CollectionAssert.AreEqual(new[] { Start, Start.AddHours(1), Start.AddHours(2) }, summary.Points.Select(p => p.Start).ToArray());
        Assert.AreEqual(0, summary.Points[0].Counts.Count);
        CollectionAssert.AreEquivalent(new Dictionary<string, long> { ["failed_login"] = 2 }, summary.Points[1].Counts.ToDictionary());
        CollectionAssert.AreEquivalent(new Dictionary<string, long> { ["failed_login"] = 1, ["lockout"] = 1 }, summary.Points[2].Counts.ToDictionary());
        CollectionAssert.AreEquivalent(new Dictionary<string, long> { ["failed_login"] = 3, ["lockout"] = 1 }, summary.Totals.ToDictionary());
    }

    [TestMethod]
    public async Task Counts_security_events_by_type_and_day_for_the_organization_only()
    {
        var (services, tenant) = await ArrangeAsync();

        var summary = await services.Summary.GetAsync(tenant, Start.AddHours(1), Start.AddDays(2), SecuritySummaryBucket.Day);

        Assert.AreEqual(2, summary.Points.Count);
        Assert.AreEqual(Start, summary.Points[0].Start, "buckets are whole UTC days");
        CollectionAssert.AreEquivalent(new Dictionary<string, long> { ["failed_login"] = 3, ["lockout"] = 1 }, summary.Points[0].Counts.ToDictionary());
        CollectionAssert.AreEquivalent(new Dictionary<string, long> { ["permission_denied"] = 1 }, summary.Points[1].Counts.ToDictionary(), "the other organization's events and ordinary audit rows are not counted");
    }

    [TestMethod]
    public async Task An_empty_or_too_long_range_is_refused()
    {
        var services = _db.Services(new SecurityClock(Start));
        var tenant = Guid.NewGuid();

        var reversed = await Assert.ThrowsExactlyAsync<SecurityValidationException>(() => services.Summary.GetAsync(tenant, Start, Start));
        var tooLong = await Assert.ThrowsExactlyAsync<SecurityValidationException>(() => services.Summary.GetAsync(tenant, Start, Start.AddDays(90), SecuritySummaryBucket.Hour));

        Assert.AreEqual(SecurityValidationException.InvalidRange, reversed.Code);
        Assert.AreEqual("bucket", tooLong.Field);
    }

    /// <summary>
    /// Day 0: failed logins at 01:10, 01:40 and 02:05, a lockout at 02:30; day 1: a permission denial at 03:00. Also an
    /// ordinary audit row, and another organization's failed login, that the summary must leave out.
    /// </summary>
    private static async Task<(SecurityServices Services, Guid Tenant)> ArrangeAsync()
    {
        var clock = new SecurityClock(Start);
        var services = _db.Services(clock, new SecurityMonitoringOptions());
        var tenant = await _db.CreateOrganizationAsync();
        var other = await _db.CreateOrganizationAsync();
        var user = await _db.CreateMemberAsync(tenant);

        async Task AtAsync(TimeSpan offset, SecurityEvent securityEvent)
        {
            clock.Now = Start + offset;
            await services.Recorder.RecordAsync(securityEvent);
        }

        await AtAsync(new TimeSpan(1, 10, 0), new SecurityEvent(SecurityEventType.FailedLogin, tenant, user));
        await AtAsync(new TimeSpan(1, 40, 0), new SecurityEvent(SecurityEventType.FailedLogin, tenant, user));
        await AtAsync(new TimeSpan(1, 50, 0), new SecurityEvent(SecurityEventType.FailedLogin, other));
        await AtAsync(new TimeSpan(2, 5, 0), new SecurityEvent(SecurityEventType.FailedLogin, tenant, user));
        await AtAsync(new TimeSpan(2, 30, 0), new SecurityEvent(SecurityEventType.Lockout, tenant, user));
        await AtAsync(new TimeSpan(1, 3, 0, 0), new SecurityEvent(SecurityEventType.PermissionDenied, tenant, user));

        clock.Now = Start.AddHours(26);
        await using var connection = await _db.App.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var setTenant = new Npgsql.NpgsqlCommand("SELECT set_config('app.tenant_id', $1, true)", connection, transaction) { Parameters = { new() { Value = tenant.ToString() } } })
        {
            await setTenant.ExecuteNonQueryAsync();
        }

        await services.AuditWriter.AppendAsync(connection, transaction, new AuditEntry(tenant, AuditActorType.User, user, "customer.updated", "customer", "cus_1"));
        await transaction.CommitAsync();
        return (services, tenant);
    }
}
