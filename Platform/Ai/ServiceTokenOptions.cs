namespace Platform.Ai;

/// <summary>How the Api proves to AiInference that it is the Api.</summary>
public enum ServiceTokenMode
{
    /// <summary>HS256 tokens signed with a key both services share (local runs: the AppHost generates it).</summary>
    SharedKey,

    /// <summary>Entra access tokens of the Api's managed identity for AiInference's app registration (Azure).</summary>
    ManagedIdentity,
}

/// <summary>
/// Settings of the credentials the Api presents to AiInference (section <c>ServiceTokens</c>).
/// Locally both services get the same generated key from the AppHost; in Azure the Api's managed
/// identity replaces it (<see cref="ServiceTokenMode.ManagedIdentity"/>).
/// </summary>
public sealed class ServiceTokenOptions
{
    public const string SectionName = "ServiceTokens";

    /// <summary>The header that names the organization an Entra-authenticated call acts for (absent: platform models only).</summary>
    public const string ActingOrganizationHeader = "X-Acting-Organization";

    /// <summary>Which credentials the Api presents and AiInference accepts; the same on both services.</summary>
    public ServiceTokenMode Mode { get; set; } = ServiceTokenMode.SharedKey;

    /// <summary>SharedKey: the shared HMAC key (at least 32 characters); never in the repository.</summary>
    public string SigningKey { get; set; } = "";

    public string Issuer { get; set; } = "platform-api";

    public string Audience { get; set; } = "aiinference";

    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// ManagedIdentity: AiInference's app registration, <c>api://&lt;app id&gt;</c> (or the bare app id). The Api asks
    /// for scope <c>&lt;audience&gt;/.default</c>; AiInference accepts tokens whose <c>aud</c> is it or the bare app id
    /// (Entra v2 tokens carry the app id whatever was asked).
    /// </summary>
    public string EntraAudience { get; set; } = "";

    /// <summary>ManagedIdentity (AiInference): the Entra tenant whose tokens count. Falls back to <c>AZURE_TENANT_ID</c>.</summary>
    public string EntraTenantId { get; set; } = "";

    /// <summary>ManagedIdentity (AiInference): the OpenID Connect metadata; default <c>https://login.microsoftonline.com/&lt;tenant&gt;/v2.0/.well-known/openid-configuration</c>.</summary>
    public string EntraMetadataAddress { get; set; } = "";

    /// <summary>ManagedIdentity (AiInference): metadata and keys over https only. Off only for a local stand-in of Entra (tests).</summary>
    public bool EntraRequireHttps { get; set; } = true;

    /// <summary>
    /// ManagedIdentity (AiInference): the callers allowed, by the token's <c>oid</c> (the managed identity's principal id)
    /// or its <c>azp</c>/<c>appid</c> (client id). Any other identity of the tenant is refused.
    /// </summary>
    public IList<string> AllowedCallers { get; } = [];

    /// <summary>The scope the Api asks its identity for.</summary>
    public string EntraScope => EntraAudience.TrimEnd('/') + "/.default";

    /// <summary>The metadata address in effect.</summary>
    public string EntraMetadataAddressFor(string tenantId) => EntraMetadataAddress.Length > 0
        ? EntraMetadataAddress
        : $"https://login.microsoftonline.com/{tenantId}/v2.0/.well-known/openid-configuration";

    /// <summary>What the Api needs to call AiInference in its mode, or null when it has it.</summary>
    public string? CallerProblem() => Mode switch
    {
        ServiceTokenMode.SharedKey when SigningKey.Length < 32 => "ServiceTokens:SigningKey must be set to a secret of at least 32 characters (or set ServiceTokens:Mode to ManagedIdentity).",
        ServiceTokenMode.ManagedIdentity when EntraAudience.Length == 0 => "ServiceTokens:Mode is ManagedIdentity: set ServiceTokens:EntraAudience to AiInference's app registration (api://<app id>).",
        _ => null,
    };

    /// <summary>What AiInference needs to check callers in its mode, or null when it has it.</summary>
    public string? ServerProblem(string? fallbackTenantId)
    {
        if (Mode == ServiceTokenMode.SharedKey || CallerProblem() is not null)
        {
            return CallerProblem();
        }

        if (EntraMetadataAddress.Length == 0 && EntraTenantId.Length == 0 && string.IsNullOrEmpty(fallbackTenantId))
        {
            return "ServiceTokens:Mode is ManagedIdentity: set ServiceTokens:EntraTenantId (or AZURE_TENANT_ID) so tokens can be checked against the tenant's keys.";
        }

        return AllowedCallers.Count == 0
            ? "ServiceTokens:Mode is ManagedIdentity: list the Api's managed identity (principal id) in ServiceTokens:AllowedCallers."
            : null;
    }
}
