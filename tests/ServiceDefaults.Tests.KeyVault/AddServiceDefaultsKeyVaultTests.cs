using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using ServiceDefaults.Configuration;
using ServiceDefaults.Configuration.KeyVault;

namespace ServiceDefaults.KeyVault.Tests;

/// <summary>A service's start-up with AddServiceDefaults, its appsettings.json and the vault's settings.</summary>
[TestClass]
public sealed class AddServiceDefaultsKeyVaultTests
{
    private const string Placeholder = "Host=db;Username=app;Password=CHANGE_THIS";
    private const string VaultConnectionString = "Host=db;Username=app;Password=from-key-vault";

    private FakeKeyVault _vault = null!;
    private FixedTokenCredential _credential = null!;
    private string _contentRoot = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public async Task StartVault()
    {
        _vault = await FakeKeyVault.StartAsync();
        _vault.SetSecret("ConnectionStrings--platformdb", VaultConnectionString);
        _credential = new FixedTokenCredential(FakeKeyVault.AccessToken);
        _contentRoot = Directory.CreateTempSubdirectory("keyvault-tests-").FullName;
    }

    [TestCleanup]
    public async Task StopVault()
    {
        await _vault.DisposeAsync();
        Directory.Delete(_contentRoot, recursive: true);
    }

    [TestMethod]
    public async Task A_placeholder_in_appsettings_is_replaced_by_the_vault_value_and_the_service_starts_in_Production()
    {
        var builder = CreateBuilder(new JsonObject
        {
            ["ConnectionStrings"] = new JsonObject { ["platformdb"] = Placeholder },
            ["KeyVault"] = new JsonObject { ["Endpoint"] = _vault.VaultUri.ToString() },
        });

        builder.AddServiceDefaults(UseFakeVault);
        await using var app = builder.Build();
        await app.StartAsync(TestContext.CancellationToken);

        Assert.AreEqual(VaultConnectionString, app.Configuration.GetConnectionString("platformdb"));
        await app.StopAsync(TestContext.CancellationToken);
    }

    [TestMethod]
    public void Without_the_vault_the_same_placeholder_stops_the_service_in_Production()
    {
        var builder = CreateBuilder(new JsonObject { ["ConnectionStrings"] = new JsonObject { ["platformdb"] = Placeholder } });

        var error = Assert.ThrowsExactly<InvalidConfigurationException>(() => builder.AddServiceDefaults(UseFakeVault));

        StringAssert.Contains(error.Message, "ConnectionStrings:platformdb");
    }

    [TestMethod]
    public void Without_a_vault_endpoint_no_request_is_made()
    {
        var builder = CreateBuilder(new JsonObject { ["ConnectionStrings"] = new JsonObject { ["platformdb"] = "Host=db;Username=app" } });

        builder.AddServiceDefaults(UseFakeVault);

        Assert.IsEmpty(_vault.Requests);
        Assert.IsEmpty(_credential.Requests);
        Assert.IsFalse(builder.Configuration.Sources.OfType<KeyVaultConfigurationSource>().Any());
        Assert.AreEqual("Host=db;Username=app", builder.Configuration.GetConnectionString("platformdb"));
    }

    [TestMethod]
    public void A_vault_that_refuses_access_stops_the_service_with_a_message_naming_the_vault()
    {
        var builder = CreateBuilder(new JsonObject());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [KeyVaultConfigurationExtensions.EndpointSetting] = _vault.VaultUri.ToString(),
        });
        _vault.FailWith = HttpStatusCode.Forbidden;

        var error = Assert.ThrowsExactly<KeyVaultConfigurationException>(() => builder.AddServiceDefaults(UseFakeVault));

        StringAssert.Contains(error.Message, $"Could not load configuration from Key Vault {_vault.VaultUri}");
        StringAssert.Contains(error.Message, "Key Vault Secrets User");
        Assert.IsFalse(error.Message.Contains("from-key-vault", StringComparison.Ordinal));
    }

    private WebApplicationBuilder CreateBuilder(JsonObject appSettings)
    {
        File.WriteAllText(Path.Combine(_contentRoot, "appsettings.json"), appSettings.ToJsonString());
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [],
            EnvironmentName = Environments.Production,
            ContentRootPath = _contentRoot,
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        return builder;
    }

    private void UseFakeVault(KeyVaultSecretsOptions options)
    {
        options.Credential = _credential;
        options.ClientOptions = _vault.ClientOptions();
    }
}
