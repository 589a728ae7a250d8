using System.Security.Cryptography;
using System.Text;

namespace Platform.Webhooks;

/// <summary>
/// Standard Webhooks symmetric signatures: <c>v1,</c> + base64 of HMAC-SHA256 over <c>{id}.{timestamp}.{body}</c>, keyed
/// with the base64-decoded bytes of a <c>whsec_</c> secret; several secrets (during a rotation) give several
/// signatures, space-separated.
/// </summary>
public static class WebhookSignature
{
    public const string SecretPrefix = "whsec_";

    /// <summary>Random bytes in a new secret (the spec allows 24 to 64).</summary>
    public const int SecretBytes = 32;

    /// <summary>A new secret as shown to its owner: <c>whsec_</c> + base64 of random bytes.</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretBytes));

    /// <summary>The HMAC key of a <c>whsec_</c> secret.</summary>
    /// <exception cref="FormatException">Not a <c>whsec_</c> secret of 24 to 64 bytes.</exception>
    public static byte[] KeyOf(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (!secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
        {
            throw new FormatException("A webhook secret starts with whsec_.");
        }

        var key = Convert.FromBase64String(secret[SecretPrefix.Length..]);
        return key.Length is >= 24 and <= 64 ? key : throw new FormatException("A webhook secret holds 24 to 64 bytes.");
    }

    /// <summary>The <c>webhook-signature</c> header value: one <c>v1,...</c> per secret, in the order given.</summary>
    public static string Sign(string messageId, long timestamp, ReadOnlySpan<byte> body, IEnumerable<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        var prefix = Encoding.UTF8.GetBytes(FormattableString.Invariant($"{messageId}.{timestamp}."));
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return string.Join(' ', secrets.Select(secret => "v1," + Convert.ToBase64String(HMACSHA256.HashData(KeyOf(secret), signed))));
    }
}
