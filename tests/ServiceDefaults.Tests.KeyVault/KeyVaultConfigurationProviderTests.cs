using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using ServiceDefaults.Configuration.KeyVault;

namespace ServiceDefaults.KeyVault.Tests;

[TestClass]
public sealed class KeyVaultConfigurationProviderTests
{
    private FakeKeyVault _vault = null!;
    private FixedTokenCredential _credential = null!;
    private readonly List<IConfigurationRoot> _configurations = [];

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public async Task StartVault()
    {
        _vault = await FakeKeyVault.StartAsync();
        _credential = new FixedTokenCredential(FakeKeyVault.AccessToken);
    }

    [TestCleanup]
    public async Task StopVault()
    {
        // Disposing the configuration stops its reload timer.
        _configurations.ForEach(configuration => (configuration as IDisposable)?.Dispose());
        await _vault.DisposeAsync();
    }

    [TestMethod]
    public void Secret_names_map_to_configuration_keys_with_double_dashes_as_separators()
    {
        _vault.SetSecret("ConnectionStrings--platformdb", "Host=db;Password=from-vault");
        _vault.SetSecret("Billing--Stripe--ApiKey", "sk_vault");
        _vault.SetSecret("Plain", "plain-value");

        var configuration = Load();

        Assert.AreEqual("Host=db;Password=from-vault", configuration["ConnectionStrings:platformdb"]);
        Assert.AreEqual("Host=db;Password=from-vault", configuration.GetConnectionString("platformdb"));
        Assert.AreEqual("sk_vault", configuration["billing:stripe:APIKEY"], "keys are case-insensitive");
        Assert.AreEqual("plain-value", configuration["Plain"]);
        Assert.IsNull(configuration["ConnectionStrings--platformdb"]);
    }

    [TestMethod]
    public void Requests_carry_the_credentials_token_for_the_vault_scope_after_the_challenge()
    {
        _vault.SetSecret("Greeting", "hello");

        Load();

        var requests = _vault.Requests.ToList();
        Assert.IsNull(requests[0].Authorization, "the first request is the unauthenticated challenge");
        Assert.IsTrue(requests.Skip(1).All(request => request.Authorization == $"Bearer {FakeKeyVault.AccessToken}"));
        Assert.IsTrue(requests.Skip(1).All(request => request.Query.Contains("api-version=", StringComparison.Ordinal)));
        var tokenRequest = _credential.Requests.First();
        CollectionAssert.AreEqual(new[] { "https://vault.azure.net/.default" }, tokenRequest.Scopes);
        Assert.AreEqual(FakeKeyVault.TenantId, tokenRequest.TenantId);
    }

    [TestMethod]
    public void Disabled_secrets_are_skipped_without_being_fetched()
    {
        _vault.SetSecret("Enabled", "on");
        _vault.SetSecret("Disabled", "off", enabled: false);

        var configuration = Load();

        Assert.AreEqual("on", configuration["Enabled"]);
        Assert.IsNull(configuration["Disabled"]);
        Assert.AreEqual(0, _vault.FetchesOf("Disabled"));
    }

    [TestMethod]
    public void Expired_secrets_are_skipped()
    {
        _vault.SetSecret("Current", "valid", expiresOn: DateTimeOffset.UtcNow.AddDays(30));
        _vault.SetSecret("Expired", "stale", expiresOn: DateTimeOffset.UtcNow.AddDays(-1));

        var configuration = Load();

        Assert.AreEqual("valid", configuration["Current"]);
        Assert.IsNull(configuration["Expired"]);
    }

    [TestMethod]
    public void Secrets_on_every_page_of_the_listing_are_loaded()
    {
        _vault.PageSize = 2;
        for (var i = 1; i <= 5; i++)
        {
            _vault.SetSecret($"Paged--Item{i}", $"value-{i}");
        }

        var configuration = Load();

        for (var i = 1; i <= 5; i++)
        {
            Assert.AreEqual($"value-{i}", configuration[$"Paged:Item{i}"]);
        }

        var listings = _vault.Requests.Where(request => request.Authorization is not null && request.Path.TrimEnd('/') == "/secrets").ToList();
        Assert.HasCount(3, listings);
        Assert.AreEqual(2, listings.Count(listing => listing.Query.Contains("$skiptoken=", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void A_forbidden_vault_fails_with_a_message_naming_the_vault_and_the_role_to_grant()
    {
        _vault.SetSecret("ConnectionStrings--platformdb", "Password=super-secret-value");
        _vault.FailWith = HttpStatusCode.Forbidden;

        var error = Assert.ThrowsExactly<KeyVaultConfigurationException>(() => Load());

        Assert.AreEqual(_vault.VaultUri, error.VaultUri);
        StringAssert.Contains(error.Message, _vault.VaultUri.ToString());
        StringAssert.Contains(error.Message, "403");
        StringAssert.Contains(error.Message, "Key Vault Secrets User");
        StringAssert.Contains(error.Message, "AZURE_CLIENT_ID");
        Assert.IsFalse(error.Message.Contains("super-secret-value", StringComparison.Ordinal));
        Assert.IsFalse(error.Message.Contains(FakeKeyVault.AccessToken, StringComparison.Ordinal));
    }

    [TestMethod]
    public void An_unreachable_vault_fails_with_a_message_naming_the_vault_and_what_to_check()
    {
        var closed = new Uri($"https://127.0.0.1:{UnusedPort()}/");
        var options = Options();

        var error = Assert.ThrowsExactly<KeyVaultConfigurationException>(() => new ConfigurationBuilder().AddKeyVaultSecrets(closed, options).Build());

        StringAssert.Contains(error.Message, closed.ToString());
        StringAssert.Contains(error.Message, "could not be reached");
        StringAssert.Contains(error.Message, "AZURE_KEY_VAULT_ENDPOINT");
    }

    [TestMethod]
    public async Task Periodic_reload_picks_up_a_changed_value_and_signals_the_change()
    {
        _vault.SetSecret("Feature--Message", "before");
        var configuration = Load(options => options.ReloadInterval = TimeSpan.FromMilliseconds(50));
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = ChangeToken.OnChange(configuration.GetReloadToken, () =>
        {
            if (configuration["Feature:Message"] == "after")
            {
                changed.TrySetResult();
            }
        });

        _vault.SetSecret("Feature--Message", "after");

        // Waits for the change signal; the bound only keeps a broken reload from hanging the run.
        await changed.Task.WaitAsync(TimeSpan.FromSeconds(60), TestContext.CancellationToken);
        Assert.AreEqual("after", configuration["Feature:Message"]);
    }

    [TestMethod]
    public async Task Reload_fetches_only_new_or_changed_secrets_and_drops_deleted_ones()
    {
        _vault.SetSecret("Stable", "same");
        _vault.SetSecret("Rotated", "v1");
        _vault.SetSecret("Removed", "gone-soon");
        var configuration = Load();

        _vault.SetSecret("Rotated", "v2");
        _vault.SetSecret("Added", "new");
        _vault.DeleteSecret("Removed");
        await Provider(configuration).ReloadAsync(TestContext.CancellationToken);

        Assert.AreEqual("same", configuration["Stable"]);
        Assert.AreEqual("v2", configuration["Rotated"]);
        Assert.AreEqual("new", configuration["Added"]);
        Assert.IsNull(configuration["Removed"]);
        Assert.AreEqual(1, _vault.FetchesOf("Stable"));
        Assert.AreEqual(2, _vault.FetchesOf("Rotated"));
    }

    [TestMethod]
    public async Task A_failed_reload_keeps_the_loaded_values_and_logs_a_warning_without_them()
    {
        _vault.SetSecret("ConnectionStrings--platformdb", "Password=loaded-value");
        var logs = new RecordingLoggerFactory();
        var configuration = Load(options => options.LoggerFactory = logs);

        _vault.FailWith = HttpStatusCode.InternalServerError;
        await Provider(configuration).ReloadAsync(TestContext.CancellationToken);

        Assert.AreEqual("Password=loaded-value", configuration["ConnectionStrings:platformdb"]);
        var warning = logs.Entries.Single(entry => entry.Level == LogLevel.Warning);
        StringAssert.Contains(warning.Message, _vault.VaultUri.ToString());
        StringAssert.Contains(warning.Message, "500");
        Assert.IsFalse(warning.Message.Contains("loaded-value", StringComparison.Ordinal));
    }

    private IConfigurationRoot Load(Action<KeyVaultSecretsOptions>? configure = null)
    {
        var options = Options();
        configure?.Invoke(options);
        var configuration = new ConfigurationBuilder().AddKeyVaultSecrets(_vault.VaultUri, options).Build();
        _configurations.Add(configuration);
        return configuration;
    }

    private KeyVaultSecretsOptions Options() => new() { Credential = _credential, ClientOptions = _vault.ClientOptions() };

    private static KeyVaultConfigurationProvider Provider(IConfigurationRoot configuration) =>
        configuration.Providers.OfType<KeyVaultConfigurationProvider>().Single();

    private static int UnusedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
