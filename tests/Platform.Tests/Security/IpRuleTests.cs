using System.Net;
using Npgsql;
using Platform.Security;

namespace Platform.Tests.Security;

[TestClass]
public sealed class IpRuleTests
{
    private static readonly IPAddress Office = IPAddress.Parse("192.0.2.10");
    private static SecurityTestDatabase _db = null!;

    [ClassInitialize]
    public static async Task Initialize(TestContext _) => _db = await SecurityTestDatabase.CreateAsync("security_ip_rules");

    [ClassCleanup]
    public static async Task Cleanup() => await _db.DisposeAsync();

    [TestMethod]
    public async Task Without_rules_every_address_is_allowed()
    {
        var services = _db.Services(SecurityClock.AtPresent());
        var tenant = await _db.CreateOrganizationAsync();

        var decision = await services.Evaluator.EvaluateAsync(tenant, IPAddress.Parse("198.51.100.1"));

        Assert.AreEqual(new IpAccessDecision(true, IpAccessReason.NoRules), decision);
    }

    [TestMethod]
    public async Task A_deny_rule_wins_over_a_matching_allow_rule()
    {
        var services = _db.Services(SecurityClock.AtPresent());
        var tenant = await _db.CreateOrganizationAsync();
        var admin = await _db.CreateMemberAsync(tenant);
        await services.IpRules.AddAsync(tenant, admin, new IpRuleRequest("203.0.113.0/24", "allow", "Head office"), IPAddress.Parse("203.0.113.20"));
        var deny = await services.IpRules.AddAsync(tenant, admin, new IpRuleRequest("203.0.113.7", "deny", "Kiosk"), IPAddress.Parse("203.0.113.20"));

        var denied = await services.Evaluator.EvaluateAsync(tenant, IPAddress.Parse("203.0.113.7"));

        Assert.AreEqual(new IpAccessDecision(false, IpAccessReason.DenyListed, deny.Id), denied);
        Assert.IsTrue(await services.Evaluator.IsAllowedAsync(tenant, IPAddress.Parse("203.0.113.8")));
        Assert.AreEqual("203.0.113.7/32", deny.Cidr);
    }

    [TestMethod]
    public async Task Once_an_allow_rule_exists_only_matching_addresses_are_allowed()
    {
        var services = _db.Services(SecurityClock.AtPresent());
        var tenant = await _db.CreateOrganizationAsync();
        var admin = await _db.CreateMemberAsync(tenant);
        var deny = await services.IpRules.AddAsync(tenant, admin, new IpRuleRequest("198.51.100.0/24", "deny"), Office);
        Assert.IsTrue(await services.Evaluator.IsAllowedAsync(tenant, IPAddress.Parse("192.0.2.200")), "deny rules alone block only what they match");

        var allow = await services.IpRules.AddAsync(tenant, admin, new IpRuleRequest("192.0.2.0/25", "ALLOW"), Office);

        Assert.AreEqual(new IpAccessDecision(true, IpAccessReason.AllowListed, allow.Id), await services.Evaluator.EvaluateAsync(tenant, Office));
        Assert.AreEqual(new IpAccessDecision(false, IpAccessReason.NotAllowListed), await services.Evaluator.EvaluateAsync(tenant, IPAddress.Parse("192.0.2.200")));
        Assert.IsFalse(await services.Evaluator.IsAllowedAsync(tenant, IPAddress.Parse("2001:db8::1")), "an IPv4 allow list does not let IPv6 clients in");
        Assert.AreEqual(deny.Id, (await services.Evaluator.EvaluateAsync(tenant, IPAddress.Parse("198.51.100.4"))).RuleId);
    }

    [TestMethod]
    public async Task IPv6_rules_match_addresses_inside_their_prefix()
    {
        var services = _db.Services(SecurityClock.AtPresent());
        var tenant = await _db.CreateOrganizationAsync();
        var admin = await _db.CreateMemberAsync(tenant);
        var rule = await services.IpRules.AddAsync(tenant, admin, new IpRuleRequest(" 2001:DB8:abcd::/48 ", "deny"), Office);

        Assert.AreEqual("2001:db8:abcd::/48", rule.Cidr);
        Assert.IsFalse(await services.Evaluator.IsAllowedAsync(tenant, IPAddress.Parse("2001:db8:abcd:12::5")));
        Assert.IsTrue(await services.Evaluator.IsAllowedAsync(tenant, IPAddress.Parse("2001:db8:abce::5")));
        Assert.AreEqual("2001:db8:abcd::/48", (await services.IpRules.ListAsync(tenant)).Single().Cidr, "PostgreSQL's cidr round-trips");
    }

    [TestMethod]
    public async Task IPv4_mapped_IPv6_addresses_and_rules_match_as_IPv4()
    {
        var services = _db.Services(SecurityClock.AtPresent());
        var tenant = await _db.CreateOrganizationAsync();
        var admin = await _db.CreateMemberAsync(tenant);
        var rule = await services.IpRules.AddAsync(tenant, admin, new IpRuleRequest("::ffff:198.51.100.0/120", "deny"), Office);

        Assert.AreEqual("198.51.100.0/24", rule.Cidr);
        Assert.IsFalse(await services.Evaluator.IsAllowedAsync(tenant, IPAddress.Parse("::ffff:198.51.100.77")));
        Assert.IsFalse(await services.Evaluator.IsAllowedAsync(tenant, IPAddress.Parse("198.51.100.77")));
        Assert.IsTrue(await services.Evaluator.IsAllowedAsync(tenant, IPAddress.Parse("::ffff:198.51.101.77")));
    }

    [TestMethod]
    [DataRow("", "required")]
    [DataRow("not-an-ip", "'not-an-ip' is not an IP address")]
    [DataRow("10.1", "'10.1' is not an IP address")]
    [DataRow("10.0.0.0/33", "from 0 to 32")]
    [DataRow("2001:db8::/129", "from 0 to 128")]
    [DataRow("10.0.0.0/-1", "not a valid prefix length")]
    [DataRow("10.0.0.5/24", "did you mean 10.0.0.0/24?")]
    [DataRow("fe80::1%2", "is not an IP address")]
    public async Task An_invalid_network_is_refused_with_a_clear_error(string cidr, string expected)
    {
        var services = _db.Services(SecurityClock.AtPresent());
        var tenant = await _db.CreateOrganizationAsync();
        var admin = await _db.CreateMemberAsync(tenant);

        var error = await Assert.ThrowsExactlyAsync<SecurityValidationException>(() => services.IpRules.AddAsync(tenant, admin, new IpRuleRequest(cidr, "deny"), Office));

        Assert.AreEqual(SecurityValidationException.InvalidCidr, error.Code);
        Assert.AreEqual("cidr", error.Field);
        StringAssert.Contains(error.Message, expected);
        Assert.AreEqual(0, (await services.IpRules.ListAsync(tenant)).Count);
    }

    [TestMethod]
    public async Task An_unknown_action_is_refused()
    {
        var services = _db.Services(SecurityClock.AtPresent());
        var tenant = await _db.CreateOrganizationAsync();
        var admin = await _db.CreateMemberAsync(tenant);

        var error = await Assert.ThrowsExactlyAsync<SecurityValidationException>(() => services.IpRules.AddAsync(tenant, admin, new IpRuleRequest("10.0.0.0/8", "block"), Office));

        Assert.AreEqual("action", error.Field);
    }

    [TestMethod]
    public async Task A_rule_that_would_lock_out_the_caller_is_refused_unless_confirmed()
    {
        var services = _db.Services(SecurityClock.AtPresent());
        var tenant = await _db.CreateOrganizationAsync();
        var admin = await _db.CreateMemberAsync(tenant);

        var allowElsewhere = await Assert.ThrowsExactlyAsync<SecurityRuleViolationException>(
            () => services.IpRules.AddAsync(tenant, admin, new IpRuleRequest("198.51.100.0/24", "allow"), Office));
        var denySelf = await Assert.ThrowsExactlyAsync<SecurityRuleViolationException>(
            () => services.IpRules.AddAsync(tenant, admin, new IpRuleRequest("192.0.2.0/24", "deny"), IPAddress.Parse("::ffff:192.0.2.10")));

        Assert.AreEqual(SecurityRuleViolationException.SelfLockout, allowElsewhere.Code);
        Assert.AreEqual(SecurityRuleViolationException.SelfLockout, denySelf.Code);
        StringAssert.Contains(allowElsewhere.Message, "192.0.2.10");
        Assert.AreEqual(0, (await services.IpRules.ListAsync(tenant)).Count);

        await services.IpRules.AddAsync(tenant, admin, new IpRuleRequest("198.51.100.0/24", "allow"), Office, confirmSelfLockout: true);
        Assert.IsFalse(await services.Evaluator.IsAllowedAsync(tenant, Office));
    }

    [TestMethod]
    public async Task Removing_the_allow_rule_that_admits_the_caller_is_refused_unless_confirmed()
    {
        var services = _db.Services(SecurityClock.AtPresent());
        var tenant = await _db.CreateOrganizationAsync();
        var admin = await _db.CreateMemberAsync(tenant);
        var office = await services.IpRules.AddAsync(tenant, admin, new IpRuleRequest("192.0.2.0/24", "allow"), Office);
        var vpn = await services.IpRules.AddAsync(tenant, admin, new IpRuleRequest("198.51.100.0/24", "allow"), Office);

        var error = await Assert.ThrowsExactlyAsync<SecurityRuleViolationException>(() => services.IpRules.RemoveAsync(tenant, admin, office.Id, Office));
        Assert.AreEqual(SecurityRuleViolationException.SelfLockout, error.Code);

        await services.IpRules.RemoveAsync(tenant, admin, vpn.Id, Office);
        await services.IpRules.RemoveAsync(tenant, admin, office.Id, Office);
        Assert.AreEqual(0, (await services.IpRules.ListAsync(tenant)).Count, "removing the last allow rule opens access again, so it is not a lockout");
        await Assert.ThrowsExactlyAsync<SecurityNotFoundException>(() => services.IpRules.RemoveAsync(tenant, admin, office.Id, Office));
    }

    [TestMethod]
    public async Task A_duplicate_network_is_refused_and_changes_are_audited()
    {
        var services = _db.Services(SecurityClock.AtPresent());
        var tenant = await _db.CreateOrganizationAsync();
        var admin = await _db.CreateMemberAsync(tenant);
        var rule = await services.IpRules.AddAsync(tenant, admin, new IpRuleRequest("203.0.113.0/24", "deny"), Office);

        var error = await Assert.ThrowsExactlyAsync<SecurityRuleViolationException>(() => services.IpRules.AddAsync(tenant, admin, new IpRuleRequest("203.0.113.0/24", "allow"), Office, true));
        await services.IpRules.RemoveAsync(tenant, admin, rule.Id, Office);

        Assert.AreEqual(SecurityRuleViolationException.DuplicateRule, error.Code);
        Assert.AreEqual(
            2,
            await SecurityTestDatabase.CountAsync(
                _db.Owner, "SELECT count(*) FROM audit_logs WHERE tenant_id = $1 AND resource_id = $2 AND action IN ('ip_rule.created', 'ip_rule.deleted') AND actor_id = $3", tenant, rule.Id.ToString(), admin));
        Assert.IsTrue((await services.Verifier.VerifyAsync(tenant)).IsValid);
    }

    [TestMethod]
    public async Task Rules_of_one_organization_neither_show_nor_apply_in_another()
    {
        var services = _db.Services(SecurityClock.AtPresent());
        var tenantA = await _db.CreateOrganizationAsync();
        var tenantB = await _db.CreateOrganizationAsync();
        var admin = await _db.CreateMemberAsync(tenantA);
        var rule = await services.IpRules.AddAsync(tenantA, admin, new IpRuleRequest("203.0.113.0/24", "deny"), Office);

        Assert.AreEqual(0, (await services.IpRules.ListAsync(tenantB)).Count);
        Assert.IsTrue(await services.Evaluator.IsAllowedAsync(tenantB, IPAddress.Parse("203.0.113.1")));
        Assert.IsFalse(await services.Evaluator.IsAllowedAsync(tenantA, IPAddress.Parse("203.0.113.1")));
        await Assert.ThrowsExactlyAsync<SecurityNotFoundException>(() => services.IpRules.RemoveAsync(tenantB, admin, rule.Id, Office));

        // Row-level security itself, as the application role in organization B.
        await using var connection = await _db.App.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var setTenant = new NpgsqlCommand("SELECT set_config('app.tenant_id', $1, true)", connection, transaction) { Parameters = { new() { Value = tenantB.ToString() } } })
        {
            await setTenant.ExecuteNonQueryAsync();
        }

        await using (var select = new NpgsqlCommand("SELECT count(*) FROM ip_rules", connection, transaction))
        {
            Assert.AreEqual(0L, await select.ExecuteScalarAsync());
        }

        await using var insert = new NpgsqlCommand("INSERT INTO ip_rules (tenant_id, id, cidr, action) VALUES ($1, $2, '10.0.0.0/8', 'allow')", connection, transaction)
        {
            Parameters = { new() { Value = tenantA }, new() { Value = Guid.NewGuid() } },
        };
        var refused = await Assert.ThrowsExactlyAsync<PostgresException>(() => insert.ExecuteNonQueryAsync());
        Assert.AreEqual(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
    }

    [TestMethod]
    public async Task A_change_made_through_one_replica_applies_on_another_at_the_next_request()
    {
        var clock = SecurityClock.AtPresent();
        var replicaA = _db.Services(clock);
        var replicaB = _db.Services(clock);
        var tenant = await _db.CreateOrganizationAsync();
        var admin = await _db.CreateMemberAsync(tenant);
        var client = IPAddress.Parse("203.0.113.50");
        Assert.IsTrue(await replicaB.Evaluator.IsAllowedAsync(tenant, client), "replica B now holds the empty rule list in memory");

        await replicaA.IpRules.AddAsync(tenant, admin, new IpRuleRequest("203.0.113.50", "deny"), Office);

        // Announced to replica B over pub/sub: within moments, well before its once-a-second re-read of the version.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (await replicaB.Evaluator.IsAllowedAsync(tenant, client) && waited.Elapsed < TimeSpan.FromMilliseconds(500))
        {
            await Task.Delay(10);
        }

        Assert.IsFalse(await replicaB.Evaluator.IsAllowedAsync(tenant, client));
    }
}
