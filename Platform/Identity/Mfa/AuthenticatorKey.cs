using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Platform.Identity.Mfa;

/// <summary>
/// The shared secret behind an authenticator app enrolment: generating it, showing it for manual entry,
/// and the <c>otpauth://</c> URI (Google Authenticator's Key URI format) that a QR code carries.
/// </summary>
public static class AuthenticatorKey
{
    /// <summary>160 bits, the secret length RFC 4226 section 4 recommends for HMAC-SHA-1.</summary>
    public const int SizeInBytes = 20;

    /// <summary>A new secret from the cryptographic random number generator.</summary>
    public static byte[] Generate() => RandomNumberGenerator.GetBytes(SizeInBytes);

    /// <summary>The secret in Base32, in upper-case groups of four separated by spaces, for typing into an app by hand.</summary>
    public static string FormatForDisplay(ReadOnlySpan<byte> secret)
    {
        var encoded = Base32.Encode(secret);
        var display = new StringBuilder(encoded.Length + (encoded.Length / 4));
        for (var i = 0; i < encoded.Length; i += 4)
        {
            if (i > 0)
            {
                display.Append(' ');
            }

            display.Append(encoded.AsSpan(i, Math.Min(4, encoded.Length - i)));
        }

        return display.ToString();
    }

    /// <summary>
    /// The <c>otpauth://totp/{issuer}:{account}?secret=…&amp;issuer=…&amp;algorithm=…&amp;digits=…&amp;period=30</c> URI for a QR code.
    /// Issuer and account are percent-encoded (spaces as <c>%20</c>, which apps decode, never <c>+</c>, which some show literally).
    /// </summary>
    /// <param name="issuer">The product or organization name the app shows, e.g. "Acme Corp".</param>
    /// <param name="account">The user's sign-in name, e.g. an email address.</param>
    /// <param name="secret">The shared secret.</param>
    /// <param name="algorithm">The HMAC hash; some apps ignore anything but SHA-1.</param>
    /// <param name="digits">6 or 8.</param>
    /// <exception cref="ArgumentException">Issuer or account is empty or contains ':' (the label separator), or the secret is empty.</exception>
    public static string BuildOtpAuthUri(string issuer, string account, ReadOnlySpan<byte> secret, OtpAlgorithm algorithm = OtpAlgorithm.Sha1, int digits = 6)
    {
        ValidateLabelPart(issuer, nameof(issuer));
        ValidateLabelPart(account, nameof(account));
        if (secret.IsEmpty)
        {
            throw new ArgumentException("The secret must not be empty.", nameof(secret));
        }

        Hotp.ValidateDigits(digits);
        var algorithmName = algorithm switch
        {
            OtpAlgorithm.Sha1 => "SHA1",
            OtpAlgorithm.Sha256 => "SHA256",
            OtpAlgorithm.Sha512 => "SHA512",
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown OTP algorithm."),
        };

        var escapedIssuer = Uri.EscapeDataString(issuer);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"otpauth://totp/{escapedIssuer}:{Uri.EscapeDataString(account)}?secret={Base32.Encode(secret)}&issuer={escapedIssuer}&algorithm={algorithmName}&digits={digits}&period={Totp.StepSeconds}");
    }

    private static void ValidateLabelPart(string value, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value, name);
        if (value.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException($"The {name} must not contain ':', which separates issuer from account in the otpauth label.", name);
        }
    }
}
