using System.Net;
using Platform.Audit;
using Platform.Caching;
using Platform.Security;
using Platform.Tests.Caching;

namespace Platform.Tests.Security;

[TestClass]
public sealed class SecurityEventRecorderTests
{
    private static SecurityTestDatabase _db = null!;

    [ClassInitialize]
    public static async Task Initialize(TestContext _) => _db = await SecurityTestDatabase.CreateAsync("security_events");

    [ClassCleanup]
    public static async Task Cleanup() => await _db.DisposeAsync();

    [TestMethod]
    public async Task Recording_writes_a_security_audit_row_and_the_chain_still_verifies()
    {
        var services = _db.Services(SecurityClock.AtPresent());
        var tenant = await _db.CreateOrganizationAsync();
        var user = await _db.CreateMemberAsync(tenant);

        await services.Recorder.RecordAsync(new SecurityEvent(SecurityEventType.PermissionDenied, tenant, user, IPAddress.Parse("::ffff:203.0.113.9"), Detail: "customers.delete"));
        await services.Recorder.RecordAsync(new SecurityEvent(SecurityEventType.FailedLogin, tenant, user, IPAddress.Parse("203.0.113.9"), Account: " Someone@Example.TEST "));

        var rows = (await new AuditQuery(_db.App).ListAsync(tenant, new AuditFilter())).Items.OrderBy(r => r.Sequence).ToList();
        Assert.AreEqual(2, rows.Count);
        Assert.IsTrue(rows.All(r => r.IsSecurityEvent));
        CollectionAssert.AreEqual(new[] { "security.permission_denied", "security.failed_login" }, rows.Select(r => r.Action).ToArray());
        Assert.AreEqual(user, rows[0].ActorId);
        Assert.AreEqual(IPAddress.Parse("203.0.113.9"), rows[0].Ip, "an IPv4-mapped address is stored as IPv4");
        StringAssert.Contains(rows[0].Changes, "customers.delete");
        StringAssert.Contains(rows[1].Changes, "someone@example.test");
        var verification = await services.Verifier.VerifyAsync(tenant);
        Assert.IsTrue(verification.IsValid, verification.FirstBreak?.Detail);
        Assert.AreEqual(2, verification.RowsChecked);
    }

    [TestMethod]
    public async Task A_platform_event_without_an_organization_is_recorded_in_the_platform_chain()
    {
        var services = _db.Services(SecurityClock.AtPresent());
        var ip = TestAddresses.RandomIPv4();

        await services.Recorder.RecordAsync(new SecurityEvent(SecurityEventType.FailedLogin, null, Ip: ip, Account: $"{Guid.NewGuid():N}@nowhere.test"));

        Assert.AreEqual(1, await SecurityTestDatabase.CountAsync(_db.Owner, "SELECT count(*) FROM audit_logs WHERE tenant_id IS NULL AND action = 'security.failed_login' AND ip = $1", ip));
        var verification = await services.Verifier.VerifyAsync(null);
        Assert.IsTrue(verification.IsValid, verification.FirstBreak?.Detail);
    }

    [TestMethod]
    public async Task Refresh_token_reuse_raises_a_high_alert_in_the_same_commit()
    {
        var clock = SecurityClock.AtPresent();
        var services = _db.Services(clock);
        var tenant = await _db.CreateOrganizationAsync();
        var user = await _db.CreateMemberAsync(tenant);

        await services.Recorder.RecordAsync(new SecurityEvent(SecurityEventType.RefreshTokenReuse, tenant, user, TestAddresses.RandomIPv4()));
        await services.Recorder.RecordAsync(new SecurityEvent(SecurityEventType.FailedLogin, tenant, user));

        Assert.AreEqual(1, await SecurityTestDatabase.CountAsync(_db.Owner, "SELECT count(*) FROM security_alerts WHERE tenant_id = $1", tenant), "a single failed login raises nothing");
        Assert.AreEqual(
            1,
            await SecurityTestDatabase.CountAsync(
                _db.Owner,
                "SELECT count(*) FROM security_alerts WHERE tenant_id = $1 AND event_type = 'refresh_token_reuse' AND severity = 'high' AND deliver_after = $2",
                tenant,
                clock.Now.AddMinutes(5)));
    }

    [TestMethod]
    public async Task Brute_force_against_an_account_is_suspected_once_per_window()
    {
        var clock = SecurityClock.AtPresent();
        var services = _db.Services(clock);
        var tenant = await _db.CreateOrganizationAsync();
        var user = await _db.CreateMemberAsync(tenant);

        async Task FailAsync(int times)
        {
            for (var i = 0; i < times; i++)
            {
                // A different address each time: only the account count can cross.
                await services.Recorder.RecordAsync(new SecurityEvent(SecurityEventType.FailedLogin, tenant, user, TestAddresses.RandomIPv4()));
                clock.Advance(TimeSpan.FromSeconds(10));
            }
        }

        Task<long> SuspectedAsync() => SecurityTestDatabase.CountAsync(
            _db.Owner, "SELECT count(*) FROM audit_logs WHERE tenant_id = $1 AND action = 'security.brute_force_suspected' AND resource_id = $2", tenant, user.ToString());

        await FailAsync(2);
        Assert.AreEqual(0, await SuspectedAsync(), "below the threshold of 3");
        await FailAsync(1);
        Assert.AreEqual(1, await SuspectedAsync(), "the third failure crosses the threshold");
        await FailAsync(5);
        Assert.AreEqual(1, await SuspectedAsync(), "further failures in the same window are not reported again");

        clock.Advance(TimeSpan.FromMinutes(11));
        await FailAsync(2);
        Assert.AreEqual(1, await SuspectedAsync(), "the old failures left the window");
        await FailAsync(1);
        Assert.AreEqual(2, await SuspectedAsync(), "a new window reports again");
        Assert.AreEqual(
            2,
            await SecurityTestDatabase.CountAsync(_db.Owner, "SELECT count(*) FROM security_alerts WHERE tenant_id = $1 AND event_type = 'brute_force_suspected' AND severity = 'high'", tenant));
    }

    [TestMethod]
    public async Task Brute_force_from_one_address_across_accounts_is_suspected_once_and_throttles_the_address()
    {
        var clock = SecurityClock.AtPresent();
        var services = _db.Services(clock);
        var ip = TestAddresses.RandomIPv4();

        Task<long> SuspectedAsync() => SecurityTestDatabase.CountAsync(
            _db.Owner, "SELECT count(*) FROM audit_logs WHERE tenant_id IS NULL AND action = 'security.brute_force_suspected' AND ip = $1", ip);

        for (var i = 0; i < 4; i++)
        {
            await services.Recorder.RecordAsync(new SecurityEvent(SecurityEventType.FailedLogin, null, Ip: ip, Account: $"victim{i}-{Guid.NewGuid():N}@example.test"));
        }

        Assert.IsFalse(await services.BruteForce.IsIpThrottledAsync(ip));
        Assert.AreEqual(0, await SuspectedAsync());

        for (var i = 0; i < 4; i++)
        {
            await services.Recorder.RecordAsync(new SecurityEvent(SecurityEventType.FailedLogin, null, Ip: ip, Account: $"other{i}-{Guid.NewGuid():N}@example.test"));
        }

        Assert.AreEqual(1, await SuspectedAsync(), "crossing the threshold of 5 is reported once");
        Assert.IsTrue(await services.BruteForce.IsIpThrottledAsync(ip));
        Assert.IsTrue(await services.BruteForce.IsIpThrottledAsync(IPAddress.Parse("::ffff:" + ip)), "the IPv4-mapped form is the same client");
        Assert.IsFalse(await services.BruteForce.IsIpThrottledAsync(TestAddresses.RandomIPv4()));

        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.IsFalse(await services.BruteForce.IsIpThrottledAsync(ip), "the failures left the window");
    }

    [TestMethod]
    public async Task IPv6_failures_count_per_64_block()
    {
        var services = _db.Services(SecurityClock.AtPresent());
        var block = TestAddresses.RandomIPv6().GetAddressBytes();

        for (var i = 0; i < 5; i++)
        {
            var bytes = (byte[])block.Clone();
            bytes[15] = (byte)i;
            bytes[10] = (byte)(i * 7);
            await services.BruteForce.RegisterFailureAsync(null, new IPAddress(bytes));
        }

        var sameBlock = (byte[])block.Clone();
        sameBlock[12] ^= 0xff;
        var otherBlock = (byte[])block.Clone();
        otherBlock[7] ^= 0x01;
        Assert.IsTrue(await services.BruteForce.IsIpThrottledAsync(new IPAddress(sameBlock)));
        Assert.IsFalse(await services.BruteForce.IsIpThrottledAsync(new IPAddress(otherBlock)));
    }

    [TestMethod]
    public async Task A_burst_of_permission_denials_raises_one_medium_alert()
    {
        var services = _db.Services(SecurityClock.AtPresent());
        var tenant = await _db.CreateOrganizationAsync();
        var user = await _db.CreateMemberAsync(tenant);

        for (var i = 0; i < 7; i++)
        {
            await services.Recorder.RecordAsync(new SecurityEvent(SecurityEventType.PermissionDenied, tenant, user, Detail: "billing.read"));
        }

        Assert.AreEqual(7, await SecurityTestDatabase.CountAsync(_db.Owner, "SELECT count(*) FROM audit_logs WHERE tenant_id = $1 AND action = 'security.permission_denied'", tenant));
        Assert.AreEqual(
            1,
            await SecurityTestDatabase.CountAsync(_db.Owner, "SELECT count(*) FROM security_alerts WHERE tenant_id = $1 AND event_type = 'permission_denied' AND severity = 'medium'", tenant));
    }

    [TestMethod]
    public async Task Redis_being_down_does_not_break_recording()
    {
        await using var server = await RedisTestServers.StartPrivateAsync("security-redis-down");
        var options = RedisConnectionOptions.Parse(server.ConnectionString);
        options.CommandTimeout = TimeSpan.FromSeconds(1);
        options.ConnectTimeout = TimeSpan.FromSeconds(1);
        await using var redis = await RedisClient.ConnectAsync(options);
        var services = _db.Services(SecurityClock.AtPresent(), redis: redis);
        var tenant = await _db.CreateOrganizationAsync();
        var user = await _db.CreateMemberAsync(tenant);
        var ip = TestAddresses.RandomIPv4();
        await services.Recorder.RecordAsync(new SecurityEvent(SecurityEventType.FailedLogin, tenant, user, ip));

        await server.StopAsync();
        for (var i = 0; i < 4; i++)
        {
            await services.Recorder.RecordAsync(new SecurityEvent(SecurityEventType.FailedLogin, tenant, user, ip));
        }

        await services.Recorder.RecordAsync(new SecurityEvent(SecurityEventType.PermissionDenied, tenant, user, ip));

        Assert.AreEqual(6, await SecurityTestDatabase.CountAsync(_db.Owner, "SELECT count(*) FROM audit_logs WHERE tenant_id = $1 AND is_security_event", tenant));
        Assert.IsFalse(await services.BruteForce.IsIpThrottledAsync(ip), "without counts, sign-ins are not refused");
        Assert.IsNull(await services.Summary.GetCurrentHourAsync(tenant));
    }

    [TestMethod]
    public async Task Live_counts_of_the_current_hour_come_from_the_recorder()
    {
        var services = _db.Services(SecurityClock.AtPresent());
        var tenant = await _db.CreateOrganizationAsync();

        await services.Recorder.RecordAsync(new SecurityEvent(SecurityEventType.RateLimited, tenant, Ip: TestAddresses.RandomIPv4()));
        await services.Recorder.RecordAsync(new SecurityEvent(SecurityEventType.RateLimited, tenant, Ip: TestAddresses.RandomIPv4()));
        await services.Recorder.RecordAsync(new SecurityEvent(SecurityEventType.ApiKeyMisuse, tenant, ActorType: AuditActorType.ApiKey, ActorId: Guid.NewGuid()));

        var counts = await services.Summary.GetCurrentHourAsync(tenant);
        Assert.IsNotNull(counts);
        Assert.AreEqual(2, counts["rate_limited"]);
        Assert.AreEqual(1, counts["api_key_misuse"]);
        Assert.AreEqual(2, counts.Count);
    }
}
