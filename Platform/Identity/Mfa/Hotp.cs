using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace Platform.Identity.Mfa;

/// <summary>
/// RFC 4226 HMAC-based one-time passwords: the HMAC of an 8-byte big-endian counter,
/// dynamically truncated to 31 bits and reduced to 6 or 8 decimal digits. <see cref="Totp"/> feeds it time steps.
/// </summary>
public static class Hotp
{
    private static readonly int[] PowersOfTen = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];

    /// <summary>The code for <paramref name="counter"/>, zero-padded to <paramref name="digits"/> characters.</summary>
    /// <exception cref="ArgumentException">The secret is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The counter is negative or the digit count is not 6 or 8.</exception>
    public static string Generate(ReadOnlySpan<byte> secret, long counter, int digits = 6, OtpAlgorithm algorithm = OtpAlgorithm.Sha1) =>
        Compute(secret, counter, digits, algorithm).ToString("D" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    internal static int Compute(ReadOnlySpan<byte> secret, long counter, int digits, OtpAlgorithm algorithm)
    {
        if (secret.IsEmpty)
        {
            throw new ArgumentException("The secret must not be empty.", nameof(secret));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(counter);
        ValidateDigits(digits);

        Span<byte> message = stackalloc byte[sizeof(long)];
        BinaryPrimitives.WriteInt64BigEndian(message, counter);
        Span<byte> mac = stackalloc byte[HMACSHA512.HashSizeInBytes];
        var length = algorithm switch
        {
            // SHA-1 is what RFC 4226/6238 and the authenticator apps use; HMAC-SHA-1 is not affected by SHA-1 collisions.
#pragma warning disable CA5350
            OtpAlgorithm.Sha1 => HMACSHA1.HashData(secret, message, mac),
#pragma warning restore CA5350
            OtpAlgorithm.Sha256 => HMACSHA256.HashData(secret, message, mac),
            OtpAlgorithm.Sha512 => HMACSHA512.HashData(secret, message, mac),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown OTP algorithm."),
        };

        // Dynamic truncation (RFC 4226 section 5.3): the low nibble of the last byte picks four bytes, top bit cleared.
        var offset = mac[length - 1] & 0x0F;
        var binary = BinaryPrimitives.ReadInt32BigEndian(mac.Slice(offset, 4)) & 0x7FFF_FFFF;
        return binary % PowersOfTen[digits];
    }

    internal static void ValidateDigits(int digits)
    {
        if (digits is not (6 or 8))
        {
            throw new ArgumentOutOfRangeException(nameof(digits), digits, "One-time passwords have 6 or 8 digits.");
        }
    }

    /// <summary>Writes <paramref name="value"/> as exactly <c>destination.Length</c> ASCII digits, zero-padded.</summary>
    internal static void WriteAsciiDigits(int value, Span<byte> destination)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }
}
