namespace Platform.Identity.Mfa;

/// <summary>
/// The HMAC hash behind a one-time password (RFC 6238 section 1.2). <see cref="Sha1"/> is the default
/// and the only one every authenticator app honours; the others are for clients known to support them.
/// </summary>
public enum OtpAlgorithm
{
    /// <summary>HMAC-SHA-1, the RFC 4226 original and the authenticator-app default.</summary>
    Sha1,

    /// <summary>HMAC-SHA-256.</summary>
    Sha256,

    /// <summary>HMAC-SHA-512.</summary>
    Sha512,
}
