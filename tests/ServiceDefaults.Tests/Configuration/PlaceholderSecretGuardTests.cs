using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using ServiceDefaults.Configuration;

namespace ServiceDefaults.Tests.Configuration;

[TestClass]
public sealed class PlaceholderSecretGuardTests
{
    [TestMethod]
    public void A_placeholder_password_in_a_connection_string_stops_production_naming_the_setting()
    {
        var configuration = Settings(("ConnectionStrings:platformdb", "Host=x;Password=CHANGE_THIS"));

        var error = Assert.ThrowsExactly<InvalidConfigurationException>(
            () => PlaceholderSecretGuard.ThrowIfPlaceholders(configuration, Environment(Environments.Production)));

        Assert.Contains("ConnectionStrings:platformdb", error.Message);
    }

    [TestMethod]
    public void Every_placeholder_secret_is_named()
    {
        var configuration = Settings(
            ("ConnectionStrings:platformdb", "Host=x;Password=CHANGE_THIS"),
            ("Jwt:SigningKey", "your-signing-key"));

        var error = Assert.ThrowsExactly<InvalidConfigurationException>(
            () => PlaceholderSecretGuard.ThrowIfPlaceholders(configuration, Environment(Environments.Production)));

        Assert.Contains("ConnectionStrings:platformdb", error.Message);
        Assert.Contains("Jwt:SigningKey", error.Message);
    }

    [TestMethod]
    public void Development_may_run_with_placeholders()
    {
        var configuration = Settings(("Jwt:SigningKey", "your-signing-key"));

        PlaceholderSecretGuard.ThrowIfPlaceholders(configuration, Environment(Environments.Development));

        Assert.HasCount(1, PlaceholderSecretGuard.FindPlaceholders(configuration));
    }

    [TestMethod]
    public void A_placeholder_looking_value_of_a_setting_that_is_not_secret_is_allowed()
    {
        var configuration = Settings(("Ui:Title", "xxxx"));

        PlaceholderSecretGuard.ThrowIfPlaceholders(configuration, Environment(Environments.Production));

        Assert.IsEmpty(PlaceholderSecretGuard.FindPlaceholders(configuration));
    }

    [TestMethod]
    public void Real_secrets_are_allowed()
    {
        var configuration = Settings(
            ("ConnectionStrings:platformdb", "Host=db.internal;Database=platform;Username=platform;Password=Qm7s9VfL2pWz4Tn8"),
            ("Jwt:SigningKey", "q3B0tH1xZ8yN4vK6mP2sR9wE5uJ7aL1c"));

        PlaceholderSecretGuard.ThrowIfPlaceholders(configuration, Environment(Environments.Production));

        Assert.IsEmpty(PlaceholderSecretGuard.FindPlaceholders(configuration));
    }

    [TestMethod]
    public void AddServiceDefaults_fails_fast_in_production_with_a_placeholder_secret()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Production });
        builder.Configuration.AddInMemoryCollection([new("ConnectionStrings:platformdb", "Host=x;Password=CHANGE_THIS")]);

        var error = Assert.ThrowsExactly<InvalidConfigurationException>(() => builder.AddServiceDefaults());

        Assert.Contains("ConnectionStrings:platformdb", error.Message);
    }

    private static IConfiguration Settings(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();

    private static ServiceEnvironment Environment(string name) => new() { EnvironmentName = name };

    private sealed class ServiceEnvironment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = Environments.Production;

        public string ApplicationName { get; set; } = "guarded-service";

        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;

        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
