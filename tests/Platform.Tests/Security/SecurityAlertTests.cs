using Platform.Security;

namespace Platform.Tests.Security;

[TestClass]
public sealed class SecurityAlertTests
{
    // 09:30 UTC on the first of next month: after the default digest hour (08:00), inside the audit partitions.
    private static readonly DateTimeOffset Morning = new DateTimeOffset(DateTime.UtcNow.Year, DateTime.UtcNow.Month, 1, 9, 30, 0, TimeSpan.Zero).AddMonths(1);
    private static SecurityTestDatabase _db = null!;

    [ClassInitialize]
    public static async Task Initialize(TestContext _) => _db = await SecurityTestDatabase.CreateAsync("security_alerts");

    [ClassCleanup]
    public static async Task Cleanup() => await _db.DisposeAsync();

    [TestMethod]
    public async Task Deliver_after_follows_the_severity()
    {
        var clock = new SecurityClock(Morning);
        var services = _db.Services(clock);
        var tenant = await _db.CreateOrganizationAsync();

        var critical = await services.Alerts.RaiseAsync(tenant, "refresh_token_reuse", SecuritySeverity.Critical, "Critical", null);
        var high = await services.Alerts.RaiseAsync(tenant, "brute_force_suspected", SecuritySeverity.High, "High", null);
        var medium = await services.Alerts.RaiseAsync(tenant, "lockout", SecuritySeverity.Medium, "Medium", null);
        var low = await services.Alerts.RaiseAsync(tenant, "ip_blocked", SecuritySeverity.Low, "Low", null);
        clock.Now = new DateTimeOffset(Morning.Date.AddHours(7), TimeSpan.Zero);
        var earlyLow = await services.Alerts.RaiseAsync(tenant, "ip_blocked", SecuritySeverity.Low, "Early low", null);

        Assert.AreEqual(Morning, critical.DeliverAfter);
        Assert.AreEqual(Morning.AddMinutes(5), high.DeliverAfter);
        Assert.AreEqual(Morning.AddMinutes(15), medium.DeliverAfter);
        Assert.AreEqual(new DateTimeOffset(Morning.Date.AddDays(1).AddHours(8), TimeSpan.Zero), low.DeliverAfter, "after 08:00: the next day's digest");
        Assert.AreEqual(new DateTimeOffset(Morning.Date.AddHours(8), TimeSpan.Zero), earlyLow.DeliverAfter, "before 08:00: the same day's digest");
        Assert.AreEqual(
            1,
            await SecurityTestDatabase.CountAsync(_db.Owner, "SELECT count(*) FROM security_alerts WHERE tenant_id = $1 AND id = $2 AND deliver_after = $3", tenant, medium.Id, Morning.AddMinutes(15)));
    }

    [TestMethod]
    public async Task Only_alerts_that_are_due_are_delivered_to_contacts_in_app()
    {
        var clock = new SecurityClock(Morning);
        var services = _db.Services(clock);
        var tenant = await _db.CreateOrganizationAsync();
        var contact = await _db.CreateMemberAsync(tenant);
        var bystander = await _db.CreateMemberAsync(tenant);
        await services.Alerts.SetContactAsync(tenant, contact, contact, SecuritySeverity.Low);
        var critical = await services.Alerts.RaiseAsync(tenant, "refresh_token_reuse", SecuritySeverity.Critical, "Critical", null);
        var high = await services.Alerts.RaiseAsync(tenant, "brute_force_suspected", SecuritySeverity.High, "High", null);
        var medium = await services.Alerts.RaiseAsync(tenant, "lockout", SecuritySeverity.Medium, "Medium", "Account locked");

        var first = Mine(await services.Alerts.DeliverDueAsync(Morning.AddMinutes(1)), tenant);
        Assert.AreEqual(critical.Id, first.Single().Alert.Id);
        CollectionAssert.AreEqual(new[] { contact }, first.Single().RecipientUserIds.ToArray());
        CollectionAssert.AreEqual(new[] { critical.Id }, (await services.Alerts.ListForUserAsync(tenant, contact)).Select(a => a.Id).ToArray());
        Assert.AreEqual(0, (await services.Alerts.ListForUserAsync(tenant, bystander)).Count, "only security contacts receive alerts");

        Assert.AreEqual(high.Id, Mine(await services.Alerts.DeliverDueAsync(Morning.AddMinutes(5)), tenant).Single().Alert.Id);
        Assert.AreEqual(0, Mine(await services.Alerts.DeliverDueAsync(Morning.AddMinutes(10)), tenant).Count);
        var last = Mine(await services.Alerts.DeliverDueAsync(Morning.AddMinutes(15)), tenant).Single().Alert;
        Assert.AreEqual(medium.Id, last.Id);
        Assert.AreEqual(Morning.AddMinutes(15), last.DeliveredAt);
        Assert.AreEqual(0, Mine(await services.Alerts.DeliverDueAsync(Morning.AddHours(1)), tenant).Count, "nothing is delivered twice");
        CollectionAssert.AreEqual(new[] { medium.Id, high.Id, critical.Id }, (await services.Alerts.ListForUserAsync(tenant, contact)).Select(a => a.Id).ToArray());
    }

    [TestMethod]
    public async Task Low_alerts_are_delivered_as_one_daily_digest_per_organization()
    {
        var clock = new SecurityClock(Morning);
        var services = _db.Services(clock);
        var tenant = await _db.CreateOrganizationAsync();
        var everything = await _db.CreateMemberAsync(tenant);
        var urgentOnly = await _db.CreateMemberAsync(tenant);
        await services.Alerts.SetContactAsync(tenant, everything, everything, SecuritySeverity.Low);
        await services.Alerts.SetContactAsync(tenant, everything, urgentOnly, SecuritySeverity.High);
        for (var i = 0; i < 2; i++)
        {
            await services.Alerts.RaiseAsync(tenant, "ip_blocked", SecuritySeverity.Low, "Blocked", null);
            clock.Advance(TimeSpan.FromHours(3));
        }

        await services.Alerts.RaiseAsync(tenant, "new_login_location", SecuritySeverity.Low, "New location", null);

        Assert.AreEqual(0, Mine(await services.Alerts.DeliverDueAsync(Morning.AddHours(20)), tenant).Count, "before the digest hour");
        var digestTime = new DateTimeOffset(Morning.Date.AddDays(1).AddHours(8), TimeSpan.Zero);
        var delivered = Mine(await services.Alerts.DeliverDueAsync(digestTime), tenant);

        var digest = delivered.Single();
        Assert.AreEqual(SecurityAlertService.DigestEventType, digest.Alert.EventType);
        Assert.AreEqual("Security digest: 3 low-severity alerts", digest.Alert.Title);
        Assert.AreEqual("ip_blocked: 2\nnew_login_location: 1", digest.Alert.Detail);
        CollectionAssert.AreEqual(new[] { everything }, digest.RecipientUserIds.ToArray());
        CollectionAssert.AreEqual(new[] { digest.Alert.Id }, (await services.Alerts.ListForUserAsync(tenant, everything)).Select(a => a.Id).ToArray(), "the digest stands for the alerts it folds");
        Assert.AreEqual(0, (await services.Alerts.ListForUserAsync(tenant, urgentOnly)).Count);
        Assert.AreEqual(
            3,
            await SecurityTestDatabase.CountAsync(_db.Owner, "SELECT count(*) FROM security_alerts WHERE tenant_id = $1 AND digest_id = $2 AND delivered_at = $3", tenant, digest.Alert.Id, digestTime));
        Assert.AreEqual(0, Mine(await services.Alerts.DeliverDueAsync(digestTime.AddDays(1)), tenant).Count);
    }

    [TestMethod]
    public async Task Marking_read_acknowledges_the_alert_and_unread_only_hides_it()
    {
        var clock = new SecurityClock(Morning);
        var services = _db.Services(clock);
        var tenant = await _db.CreateOrganizationAsync();
        var contact = await _db.CreateMemberAsync(tenant);
        await services.Alerts.SetContactAsync(tenant, contact, contact, SecuritySeverity.Medium);
        var alert = await services.Alerts.RaiseAsync(tenant, "refresh_token_reuse", SecuritySeverity.Critical, "Critical", null);
        await services.Alerts.DeliverDueAsync(Morning);
        clock.Advance(TimeSpan.FromMinutes(2));

        await services.Alerts.MarkReadAsync(tenant, contact, alert.Id);

        Assert.AreEqual(Morning.AddMinutes(2), (await services.Alerts.ListForUserAsync(tenant, contact)).Single().ReadAt);
        Assert.AreEqual(0, (await services.Alerts.ListForUserAsync(tenant, contact, unreadOnly: true)).Count);
    }

    [TestMethod]
    public async Task Alerts_of_one_organization_are_invisible_to_another()
    {
        var services = _db.Services(new SecurityClock(Morning));
        var tenantA = await _db.CreateOrganizationAsync();
        var tenantB = await _db.CreateOrganizationAsync();
        var contactA = await _db.CreateMemberAsync(tenantA);
        var contactB = await _db.CreateMemberAsync(tenantB);
        await services.Alerts.SetContactAsync(tenantA, contactA, contactA, SecuritySeverity.Low);
        await services.Alerts.SetContactAsync(tenantB, contactB, contactB, SecuritySeverity.Low);
        var alertA = await services.Alerts.RaiseAsync(tenantA, "refresh_token_reuse", SecuritySeverity.Critical, "A's alert", null);

        var deliveries = await services.Alerts.DeliverDueAsync(Morning);

        CollectionAssert.AreEqual(new[] { contactA }, deliveries.Single(d => d.Alert.Id == alertA.Id).RecipientUserIds.ToArray());
        Assert.AreEqual(0, Mine(deliveries, tenantB).Count);
        Assert.AreEqual(0, (await services.Alerts.ListForUserAsync(tenantB, contactB)).Count);
        Assert.AreEqual(0, (await services.Alerts.ListForUserAsync(tenantB, contactA)).Count, "a contact of A asking in B's name sees nothing of A");
        await Assert.ThrowsExactlyAsync<SecurityNotFoundException>(() => services.Alerts.MarkReadAsync(tenantB, contactB, alertA.Id));
        Assert.AreEqual(1, (await services.Alerts.ListForUserAsync(tenantA, contactA)).Count);
        Assert.IsNull((await services.Alerts.ListForUserAsync(tenantA, contactA)).Single().ReadAt);
    }

    [TestMethod]
    public async Task Only_members_can_be_security_contacts()
    {
        var services = _db.Services(new SecurityClock(Morning));
        var tenantA = await _db.CreateOrganizationAsync();
        var tenantB = await _db.CreateOrganizationAsync();
        var admin = await _db.CreateMemberAsync(tenantA);
        var outsider = await _db.CreateMemberAsync(tenantB);

        var error = await Assert.ThrowsExactlyAsync<SecurityRuleViolationException>(() => services.Alerts.SetContactAsync(tenantA, admin, outsider, SecuritySeverity.High));

        Assert.AreEqual(SecurityRuleViolationException.NotAMember, error.Code);
        Assert.AreEqual(0, (await services.Alerts.ListContactsAsync(tenantA)).Count);
        Assert.AreEqual(0, (await services.Alerts.ListContactsAsync(tenantB)).Count);
    }

    private static List<SecurityAlertDelivery> Mine(IReadOnlyList<SecurityAlertDelivery> deliveries, Guid tenantId) =>
        [.. deliveries.Where(d => d.Alert.TenantId == tenantId)];
}
