using Azure.Core;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Logging;

namespace ServiceDefaults.Configuration.KeyVault;

/// <summary>How a service reads its Key Vault's secrets into configuration.</summary>
public sealed class KeyVaultSecretsOptions
{
    /// <summary>The official provider's parallelism: secrets are fetched one request each.</summary>
    public const int DefaultMaxConcurrentLoads = 32;

    /// <summary>
    /// The identity that reads the vault. Default: <c>DefaultAzureCredential</c>, with the
    /// user-assigned managed identity named by <c>AZURE_CLIENT_ID</c> when that is set.
    /// </summary>
    public TokenCredential? Credential { get; set; }

    /// <summary>Transport, retries and service version of the <see cref="SecretClient"/>; default SDK settings when null.</summary>
    public SecretClientOptions? ClientOptions { get; set; }

    /// <summary>
    /// How often to look for new, changed or removed secrets; null (the default) loads once at
    /// start. From configuration <c>KeyVault:ReloadInterval</c> (e.g. <c>00:05:00</c>).
    /// </summary>
    public TimeSpan? ReloadInterval { get; set; }

    /// <summary>How many secrets are fetched at once.</summary>
    public int MaxConcurrentLoads { get; set; } = DefaultMaxConcurrentLoads;

    /// <summary>
    /// Where reload failures are logged before the host starts; once it starts, the host's own
    /// logging is used.
    /// </summary>
    public ILoggerFactory? LoggerFactory { get; set; }
}
