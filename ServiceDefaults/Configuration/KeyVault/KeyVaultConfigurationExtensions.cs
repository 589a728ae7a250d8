using Azure.Identity;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace ServiceDefaults.Configuration.KeyVault;

/// <summary>Adds a Key Vault's secrets to a service's configuration when the vault is configured.</summary>
public static class KeyVaultConfigurationExtensions
{
    /// <summary>The vault URL azd and infra/ give every app (<c>https://&lt;name&gt;.vault.azure.net/</c>).</summary>
    public const string EndpointSetting = "AZURE_KEY_VAULT_ENDPOINT";

    /// <summary>The same URL under the service's own settings, used when <see cref="EndpointSetting"/> is absent.</summary>
    public const string EndpointSectionSetting = "KeyVault:Endpoint";

    /// <summary>How often to reload (a TimeSpan such as <c>00:05:00</c>); absent: load once.</summary>
    public const string ReloadIntervalSetting = "KeyVault:ReloadInterval";

    /// <summary>The client id of the user-assigned managed identity the app runs as.</summary>
    public const string ClientIdSetting = "AZURE_CLIENT_ID";

    /// <summary>
    /// When configuration has <c>AZURE_KEY_VAULT_ENDPOINT</c> (or <c>KeyVault:Endpoint</c>), loads
    /// every enabled secret of that vault into <see cref="IHostApplicationBuilder.Configuration"/>,
    /// above the sources added before it; otherwise does nothing. Called by AddServiceDefaults;
    /// a second call is ignored, so a service may call it first to customise it.
    /// </summary>
    /// <exception cref="KeyVaultConfigurationException">The vault cannot be read (unreachable, no access).</exception>
    public static TBuilder AddKeyVaultSecrets<TBuilder>(this TBuilder builder, Action<KeyVaultSecretsOptions>? configure = null)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var (setting, endpoint) = FindEndpoint(configuration);
        if (endpoint is null || configuration.Sources.OfType<KeyVaultConfigurationSource>().Any())
        {
            return builder;
        }

        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var vaultUri))
        {
            throw new InvalidConfigurationException(
                $"{setting} must be the vault's URL, such as https://<vault>.vault.azure.net/; found '{endpoint}'.");
        }

        var options = new KeyVaultSecretsOptions { ReloadInterval = configuration.GetValue<TimeSpan?>(ReloadIntervalSetting) };
        configure?.Invoke(options);
        options.Credential ??= CreateDefaultCredential(configuration[ClientIdSetting]);
        configuration.AddKeyVaultSecrets(vaultUri, options);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, KeyVaultReloadLogging>());
        return builder;
    }

    /// <summary>Loads every enabled secret of the vault at <paramref name="vaultUri"/> into this configuration.</summary>
    /// <exception cref="KeyVaultConfigurationException">The vault cannot be read (unreachable, no access).</exception>
    public static IConfigurationBuilder AddKeyVaultSecrets(this IConfigurationBuilder configuration, Uri vaultUri, KeyVaultSecretsOptions options)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(vaultUri);
        ArgumentNullException.ThrowIfNull(options);
        var client = new SecretClient(vaultUri, options.Credential ?? new DefaultAzureCredential(), options.ClientOptions ?? new SecretClientOptions());
        return configuration.Add(new KeyVaultConfigurationSource(client, options));
    }

    private static (string Setting, string? Endpoint) FindEndpoint(IConfiguration configuration)
    {
        foreach (var setting in (ReadOnlySpan<string>)[EndpointSetting, EndpointSectionSetting])
        {
            if (configuration[setting] is { } value && !string.IsNullOrWhiteSpace(value))
            {
                return (setting, value.Trim());
            }
        }

        return (EndpointSetting, null);
    }

    // DefaultAzureCredential reads AZURE_CLIENT_ID from the environment only; configuration may
    // carry it from other sources too, so it is passed explicitly.
    private static DefaultAzureCredential CreateDefaultCredential(string? clientId) =>
        string.IsNullOrWhiteSpace(clientId)
            ? new DefaultAzureCredential()
            : new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId });
}
