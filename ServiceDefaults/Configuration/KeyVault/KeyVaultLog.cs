using Microsoft.Extensions.Logging;

namespace ServiceDefaults.Configuration.KeyVault;

/// <summary>Never logs secret values: only the vault, counts and why a reload failed.</summary>
internal static partial class KeyVaultLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Reloaded {KeyCount} settings from Key Vault {VaultUri}")]
    public static partial void Reloaded(ILogger logger, Uri vaultUri, int keyCount);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
        Message = "Reloading secrets from Key Vault {VaultUri} failed; the {KeyCount} settings loaded before stay in use. {Reason}")]
    public static partial void ReloadFailed(ILogger logger, Uri vaultUri, int keyCount, string reason, Exception exception);
}
