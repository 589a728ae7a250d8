using System.Security.Authentication;
using Azure;
using Azure.Identity;

namespace ServiceDefaults.Configuration.KeyVault;

/// <summary>
/// The service could not read its Key Vault at start. The message names the vault and what to
/// check; it never holds a secret value or a token.
/// </summary>
public sealed class KeyVaultConfigurationException : Exception
{
    public KeyVaultConfigurationException(Uri vaultUri, Exception innerException)
        : base($"Could not load configuration from Key Vault {vaultUri}: {Explain(innerException)}", innerException)
    {
        ArgumentNullException.ThrowIfNull(vaultUri);
        VaultUri = vaultUri;
    }

    public Uri VaultUri { get; }

    /// <summary>What went wrong and what to check, in one or two sentences without secret values.</summary>
    internal static string Explain(Exception exception)
    {
        var cause = Unwrap(exception);
        return cause switch
        {
            RequestFailedException { Status: 401 or 403 } failed =>
                $"the vault refused access ({failed.Status} {failed.ErrorCode}). Check that the identity the service runs as " +
                "(the managed identity named by AZURE_CLIENT_ID on Azure, your az or azd login locally) has the role " +
                "\"Key Vault Secrets User\" on this vault, and that the vault uses Azure RBAC authorization.",
            AuthenticationFailedException =>
                "no credential could get a token for the vault. On Azure, check that AZURE_CLIENT_ID is the client id of a " +
                "managed identity assigned to the app; locally, sign in with az login or azd auth login.",
            RequestFailedException { Status: 0 } or HttpRequestException or AuthenticationException =>
                $"the vault could not be reached ({Innermost(cause).Message}). Check the vault URL " +
                "(AZURE_KEY_VAULT_ENDPOINT or KeyVault:Endpoint), DNS, and the vault's network access (firewall, private endpoint).",
            RequestFailedException failed =>
                $"the vault answered {failed.Status} {failed.ErrorCode}. Check the vault URL (AZURE_KEY_VAULT_ENDPOINT or KeyVault:Endpoint) and the vault's health.",
            // Other messages are not shown: they could quote a response.
            _ => $"{cause.GetType().Name} (see the inner exception).",
        };
    }

    // Azure.Core's retry policy wraps the failures of every attempt in one AggregateException.
    private static Exception Unwrap(Exception exception)
    {
        while (exception is AggregateException { InnerExceptions.Count: > 0 } aggregate)
        {
            exception = aggregate.InnerExceptions[^1];
        }

        return exception;
    }

    private static Exception Innermost(Exception exception)
    {
        while (exception.InnerException is { } inner)
        {
            exception = inner;
        }

        return exception;
    }
}
