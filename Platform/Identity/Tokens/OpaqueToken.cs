using System.Buffers.Text;
using System.Security.Cryptography;

namespace Platform.Identity.Tokens;

/// <summary>
/// Opaque credentials (refresh tokens, API keys, invitations): <c>{kind}.{tenant+id}.{secret}</c>
/// (base64url parts; '.' separates them because base64url itself uses '-' and '_').
/// The organization and row id travel in clear so the row is found by primary key under the
/// tenant's row-level security; only a SHA-256 hash of the 256-bit secret is stored.
/// </summary>
public readonly record struct OpaqueToken(string Kind, Guid TenantId, Guid Id, byte[] Secret)
{
    private const int SecretBytes = 32;

    /// <summary>A new token of <paramref name="kind"/> (lower-case letters) with a fresh id and secret.</summary>
    public static OpaqueToken Create(string kind, Guid tenantId) => new(kind, tenantId, Guid.NewGuid(), RandomNumberGenerator.GetBytes(SecretBytes));

    /// <summary>The identifying part, safe to show and log (<c>{kind}.{tenant+id}</c>).</summary>
    public string Prefix
    {
        get
        {
            Span<byte> ids = stackalloc byte[32];
            TenantId.TryWriteBytes(ids[..16]);
            Id.TryWriteBytes(ids[16..]);
            return $"{Kind}.{Base64Url.EncodeToString(ids)}";
        }
    }

    public byte[] SecretHash => SHA256.HashData(Secret);

    public override string ToString() => $"{Prefix}.{Base64Url.EncodeToString(Secret)}";

    /// <summary>Parses a token of the expected kind; false for anything malformed (never throws on user input).</summary>
    public static bool TryParse(string? text, string expectedKind, out OpaqueToken token)
    {
        token = default;
        if (string.IsNullOrEmpty(text) || text.Length > 200)
        {
            return false;
        }

        var parts = text.Split('.');
        if (parts.Length != 3 || parts[0] != expectedKind)
        {
            return false;
        }

        // Exact encoded lengths first: 32 bytes and 32 bytes are 43 base64url characters each.
        if (parts[1].Length != 43 || parts[2].Length != 43)
        {
            return false;
        }

        Span<byte> ids = stackalloc byte[32];
        Span<byte> secret = stackalloc byte[SecretBytes];
        try
        {
            if (!Base64Url.TryDecodeFromChars(parts[1], ids, out var idLength) || idLength != 32 ||
                !Base64Url.TryDecodeFromChars(parts[2], secret, out var secretLength) || secretLength != SecretBytes)
            {
                return false;
            }
        }
        catch (FormatException)
        {
            // TryDecode still throws on characters outside the alphabet.
            return false;
        }

        token = new OpaqueToken(expectedKind, new Guid(ids[..16]), new Guid(ids[16..]), secret.ToArray());
        return true;
    }

    /// <summary>Constant-time comparison of this token's secret with a stored hash.</summary>
    public bool Matches(byte[] storedHash) => CryptographicOperations.FixedTimeEquals(SecretHash, storedHash);
}
