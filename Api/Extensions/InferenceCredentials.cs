using System.Net.Http.Headers;
using Azure.Core;
using Microsoft.Extensions.Options;
using Platform.Ai;

namespace Api.Extensions;

/// <summary>
/// What the Api presents to AiInference, by <c>ServiceTokens:Mode</c>: a short-lived shared-key token whose
/// <c>tid</c> is the organization (local runs), or its managed identity's Entra token for
/// <c>ServiceTokens:EntraAudience</c> with the organization in <c>X-Acting-Organization</c> (Azure).
/// One instance for the process: the Entra token is reused until shortly before it expires.
/// </summary>
public sealed class InferenceCredentials(IOptions<ServiceTokenOptions> options, TimeProvider clock, IServiceProvider services)
{
    // Renewed this long before expiry, so a token never expires on the way (Entra's last for an hour or more).
    private static readonly TimeSpan RenewBefore = TimeSpan.FromMinutes(5);
    private ServiceTokens? _sharedKeyTokens;
    // A reference, so concurrent requests read a token and its expiry together (AccessToken is a struct).
    private volatile CachedToken? _entraToken;

    /// <summary>Whether the settings of the mode are there (in Development the Api starts without them and answers 503).</summary>
    public bool IsConfigured => options.Value.CallerProblem() is null;

    /// <summary>Adds the credentials of a call acting for <paramref name="tenantId"/> (null: platform models only).</summary>
    public async Task ApplyAsync(HttpRequestMessage request, Guid? tenantId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = options.Value;
        if (settings.Mode == ServiceTokenMode.SharedKey)
        {
            _sharedKeyTokens ??= new ServiceTokens(settings);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _sharedKeyTokens.Issue(tenantId, clock.GetUtcNow()));
            return;
        }

        var token = await EntraTokenAsync(settings, cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (tenantId is { } tenant)
        {
            request.Headers.Add(ServiceTokenOptions.ActingOrganizationHeader, tenant.ToString());
        }
    }

    private async Task<string> EntraTokenAsync(ServiceTokenOptions settings, CancellationToken cancellationToken)
    {
        if (_entraToken is { } cached && cached.ExpiresOn - RenewBefore > clock.GetUtcNow())
        {
            return cached.Token;
        }

        // Resolved only in this mode, so local runs never build an Azure credential.
        var credential = services.GetRequiredService<TokenCredential>();
        var fresh = await credential.GetTokenAsync(new TokenRequestContext([settings.EntraScope]), cancellationToken).ConfigureAwait(false);
        _entraToken = new CachedToken(fresh.Token, fresh.ExpiresOn);
        return fresh.Token;
    }

    private sealed record CachedToken(string Token, DateTimeOffset ExpiresOn);
}
