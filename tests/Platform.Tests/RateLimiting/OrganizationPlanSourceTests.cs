using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Data;
using Platform.RateLimiting;
using TestKit;

namespace Platform.Tests.RateLimiting;

/// <summary>The default plan source reads organizations.plan as the application role does.</summary>
[TestClass]
public sealed class OrganizationPlanSourceTests
{
    private static TestDatabase _db = null!;
    private static Guid _pro;

    [ClassInitialize]
    public static async Task CreateOrganization(TestContext context)
    {
        _db = await TestEnvironment.CreateDatabaseAsync("ratelimit");
        await new SqlMigrationRunner(NullLogger<SqlMigrationRunner>.Instance).ApplyAsync(_db.OwnerConnectionString, SqlMigration.Embedded());
        _pro = Guid.NewGuid();
        await using var owner = new NpgsqlConnection(_db.OwnerConnectionString);
        await owner.OpenAsync();
        await using var seed = new NpgsqlCommand("INSERT INTO organizations (id, slug, name, plan) VALUES (@id, 'pro-org', 'Pro', 'pro')", owner);
        seed.Parameters.AddWithValue("id", _pro);
        await seed.ExecuteNonQueryAsync();
    }

    [TestMethod]
    public async Task Reads_the_organizations_plan_and_remembers_it()
    {
        await using var services = new ServiceCollection().AddPlatformDatabase(_db.AppConnectionString).BuildServiceProvider();
        using var source = new OrganizationPlanSource(services.GetRequiredService<IServiceScopeFactory>(), Options.Create(new RateLimitOptions()));

        var first = await source.GetPlanAsync(_pro);
        await SetPlanAsync(_pro, "enterprise");
        var cached = await source.GetPlanAsync(_pro);

        Assert.AreEqual("pro", first);
        Assert.AreEqual("pro", cached, "within the cache duration the database is not asked again");
    }

    [TestMethod]
    public async Task An_unknown_organization_gets_the_default_plan()
    {
        await using var services = new ServiceCollection().AddPlatformDatabase(_db.AppConnectionString).BuildServiceProvider();
        using var source = new OrganizationPlanSource(services.GetRequiredService<IServiceScopeFactory>(), Options.Create(new RateLimitOptions { DefaultPlan = "free" }));

        Assert.AreEqual("free", await source.GetPlanAsync(Guid.NewGuid()));
    }

    private static async Task SetPlanAsync(Guid organization, string plan)
    {
        await using var owner = new NpgsqlConnection(_db.OwnerConnectionString);
        await owner.OpenAsync();
        await using var update = new NpgsqlCommand("UPDATE organizations SET plan = @plan WHERE id = @id", owner);
        update.Parameters.AddWithValue("plan", plan);
        update.Parameters.AddWithValue("id", organization);
        Assert.AreEqual(1, await update.ExecuteNonQueryAsync());
    }
}
