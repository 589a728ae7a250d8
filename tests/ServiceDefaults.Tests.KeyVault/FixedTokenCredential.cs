using System.Collections.Concurrent;
using Azure.Core;

namespace ServiceDefaults.KeyVault.Tests;

/// <summary>Hands out one fixed token and remembers what it was asked for.</summary>
internal sealed class FixedTokenCredential(string token) : TokenCredential
{
    private readonly ConcurrentQueue<TokenRequestContext> _requests = new();

    public IReadOnlyCollection<TokenRequestContext> Requests => _requests.ToArray();

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        _requests.Enqueue(requestContext);
        return new AccessToken(token, DateTimeOffset.UtcNow.AddHours(1));
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        new(GetToken(requestContext, cancellationToken));
}
