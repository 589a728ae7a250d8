using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Azure.Core;

namespace Platform.Messaging.ServiceBus;

/// <summary>The <c>Authorization</c> header value for a Service Bus resource: a SAS token or an Entra ID bearer token.</summary>
public abstract class ServiceBusAuthorization
{
    /// <summary>The scope of Entra ID tokens for Service Bus data operations.</summary>
    public const string EntraScope = "https://servicebus.azure.net/.default";

    /// <summary>The header value for requests to <paramref name="resource"/> (an entity URI, e.g. the queue's).</summary>
    public abstract ValueTask<string> GetHeaderAsync(Uri resource, CancellationToken cancellationToken);

    /// <summary>SAS when the options carry a key, otherwise Entra ID through <paramref name="credential"/>.</summary>
    public static ServiceBusAuthorization Create(ServiceBusTransportOptions options, Func<TokenCredential> credential)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(credential);
        return string.IsNullOrEmpty(options.SasKey)
            ? new EntraAuthorization(credential())
            : new SharedAccessSignatureAuthorization(
                options.SasKeyName ?? throw new InvalidOperationException("Messaging:ServiceBus:SasKeyName is required with a SAS key."),
                options.SasKey,
                options.SasTokenLifetime,
                TimeProvider.System);
    }

    /// <summary>
    /// <c>SharedAccessSignature sr={enc(uri)}&amp;sig={enc(sig)}&amp;se={expiry}&amp;skn={keyName}</c> with
    /// sig = Base64(HMACSHA256(UTF8(key), UTF8(enc(uri) + "\n" + expiry))), the key used as-is.
    /// </summary>
    public static string SasToken(Uri resource, string keyName, string key, DateTimeOffset expiresAt)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var encodedUri = WebUtility.UrlEncode(ResourceString(resource));
        var expiry = expiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(encodedUri + "\n" + expiry)));
        return $"SharedAccessSignature sr={encodedUri}&sig={WebUtility.UrlEncode(signature)}&se={expiry}&skn={keyName}";
    }

    /// <summary>The resource as it is signed: no query, no trailing slash, lower case (as Microsoft recommends).</summary>
#pragma warning disable CA1308 // Service Bus signs the lower-case URI; upper-casing would not match.
    public static string ResourceString(Uri resource) =>
        (resource ?? throw new ArgumentNullException(nameof(resource))).GetLeftPart(UriPartial.Path).TrimEnd('/').ToLowerInvariant();
#pragma warning restore CA1308

    private sealed class SharedAccessSignatureAuthorization(string keyName, string key, TimeSpan lifetime, TimeProvider clock) : ServiceBusAuthorization
    {
        private readonly ConcurrentDictionary<string, (string Header, DateTimeOffset RenewAt)> _tokens = new(StringComparer.Ordinal);

        public override ValueTask<string> GetHeaderAsync(Uri resource, CancellationToken cancellationToken)
        {
            var now = clock.GetUtcNow();
            var name = ResourceString(resource);
            if (_tokens.TryGetValue(name, out var cached) && cached.RenewAt > now)
            {
                return ValueTask.FromResult(cached.Header);
            }

            // Renewed at four fifths of its life, so a request never carries one about to expire.
            var header = SasToken(resource, keyName, key, now + lifetime);
            _tokens[name] = (header, now + (lifetime * 0.8));
            return ValueTask.FromResult(header);
        }
    }

    private sealed class EntraAuthorization(TokenCredential credential) : ServiceBusAuthorization
    {
        // Replaced whole (a reference), so readers never see half of a renewal.
        private volatile CachedToken? _cached;

        public override async ValueTask<string> GetHeaderAsync(Uri resource, CancellationToken cancellationToken)
        {
            // One token for the whole namespace, renewed five minutes before it expires (concurrent renewals are harmless).
            var cached = _cached;
            if (cached is null || cached.ExpiresOn <= DateTimeOffset.UtcNow.AddMinutes(5))
            {
                var token = await credential.GetTokenAsync(new TokenRequestContext([EntraScope]), cancellationToken).ConfigureAwait(false);
                cached = new CachedToken("Bearer " + token.Token, token.ExpiresOn);
                _cached = cached;
            }

            return cached.Header;
        }

        private sealed record CachedToken(string Header, DateTimeOffset ExpiresOn);
    }
}
