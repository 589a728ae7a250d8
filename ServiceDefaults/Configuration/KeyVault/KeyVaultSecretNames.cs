using Microsoft.Extensions.Configuration;

namespace ServiceDefaults.Configuration.KeyVault;

/// <summary>
/// Secret names allow only letters, digits and '-', so "--" stands for the configuration key
/// delimiter, as in the official provider: <c>ConnectionStrings--platformdb</c> is
/// <c>ConnectionStrings:platformdb</c>.
/// </summary>
public static class KeyVaultSecretNames
{
    public const string Delimiter = "--";

    public static string ToConfigurationKey(string secretName)
    {
        ArgumentException.ThrowIfNullOrEmpty(secretName);
        return secretName.Replace(Delimiter, ConfigurationPath.KeyDelimiter, StringComparison.Ordinal);
    }
}
