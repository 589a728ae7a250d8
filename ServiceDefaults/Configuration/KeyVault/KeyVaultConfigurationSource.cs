using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace ServiceDefaults.Configuration.KeyVault;

/// <summary>Every enabled secret of one vault as configuration (see <see cref="KeyVaultConfigurationProvider"/>).</summary>
public sealed class KeyVaultConfigurationSource : IConfigurationSource
{
    public KeyVaultConfigurationSource(SecretClient client, KeyVaultSecretsOptions options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        if (options.ReloadInterval is { } interval)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero, nameof(options.ReloadInterval));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrentLoads, 1, nameof(options.MaxConcurrentLoads));
        Client = client;
        ReloadInterval = options.ReloadInterval;
        MaxConcurrentLoads = options.MaxConcurrentLoads;
        LoggerFactory = options.LoggerFactory;
    }

    public SecretClient Client { get; }

    public TimeSpan? ReloadInterval { get; }

    public int MaxConcurrentLoads { get; }

    public ILoggerFactory? LoggerFactory { get; }

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new KeyVaultConfigurationProvider(this);
}
