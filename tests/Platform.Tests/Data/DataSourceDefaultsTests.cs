using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Data;

namespace Platform.Tests.Data;

/// <summary>The connection settings every service gets from <see cref="DatabaseExtensions.AddPlatformDatabase(IServiceCollection, string, string)"/>.</summary>
[TestClass]
public sealed class DataSourceDefaultsTests
{
    private const string Plain = "Host=127.0.0.1;Port=5432;Username=app;Password=secret;Database=platformdb";

    [TestMethod]
    public void A_plain_connection_string_gets_the_platform_defaults()
    {
        var settings = Settings(Plain);

        Assert.AreEqual(DatabaseExtensions.DefaultMaxPoolSize, settings.MaxPoolSize);
        Assert.IsTrue(settings.NoResetOnClose, "nothing leaves session state, so the pool skips its reset");
        Assert.AreEqual("-c plan_cache_mode=force_generic_plan", settings.Options);
        Assert.AreEqual(50, settings.MaxAutoPrepare);
    }

    [TestMethod]
    public void Settings_the_operator_chose_are_kept()
    {
        var settings = Settings(Plain + ";Maximum Pool Size=40;Options=-c statement_timeout=5000 -c plan_cache_mode=auto;Max Auto Prepare=10");

        Assert.AreEqual(40, settings.MaxPoolSize);
        Assert.AreEqual("-c statement_timeout=5000 -c plan_cache_mode=auto", settings.Options);
        Assert.AreEqual(10, settings.MaxAutoPrepare);
    }

    [TestMethod]
    public void Other_options_are_kept_beside_the_plan_setting()
    {
        Assert.AreEqual("-c statement_timeout=5000 -c plan_cache_mode=force_generic_plan", Settings(Plain + ";Options=-c statement_timeout=5000").Options);
    }

    private static NpgsqlConnectionStringBuilder Settings(string connectionString)
    {
        using var services = new ServiceCollection().AddPlatformDatabase(connectionString).BuildServiceProvider();
        return new NpgsqlConnectionStringBuilder(services.GetRequiredService<NpgsqlDataSource>().ConnectionString);
    }
}
