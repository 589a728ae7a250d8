using System.Security.Cryptography;

namespace Platform.Identity.Mfa;

/// <summary>
/// RFC 6238 time-based one-time passwords: HOTP over 30-second steps counted from the Unix epoch.
/// Verification accepts codes within <see cref="Window"/> steps of now, to absorb clock drift and typing time,
/// and returns the step that matched so the caller can store it and refuse the same code (or an older one) next time.
/// </summary>
/// <example>
/// <code>
/// var step = totp.Verify(secret, code, user.LastTotpStep);
/// if (step is null) return Results.Unauthorized();
/// user.LastTotpStep = step; // saved with the sign-in, so the code cannot be replayed
/// </code>
/// </example>
public sealed class Totp
{
    /// <summary>The step length in seconds (RFC 6238's recommended X = 30, the only period authenticator apps agree on).</summary>
    public const int StepSeconds = 30;

    /// <summary>The number of steps either side of now that verification accepts by default.</summary>
    public const int DefaultWindow = 1;

    private const int MaxWindow = 10;

    private readonly TimeProvider _clock;

    /// <summary>Creates a generator and verifier that reads the time from <paramref name="clock"/>.</summary>
    /// <param name="clock">The clock; <see cref="TimeProvider.System"/> in production.</param>
    /// <param name="algorithm">The HMAC hash.</param>
    /// <param name="digits">6 or 8.</param>
    /// <param name="window">Steps accepted either side of the current one, 0 to 10.</param>
    public Totp(TimeProvider clock, OtpAlgorithm algorithm = OtpAlgorithm.Sha1, int digits = 6, int window = DefaultWindow)
    {
        ArgumentNullException.ThrowIfNull(clock);
        Hotp.ValidateDigits(digits);
        ArgumentOutOfRangeException.ThrowIfNegative(window);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(window, MaxWindow);
        if (!Enum.IsDefined(algorithm))
        {
            throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown OTP algorithm.");
        }

        _clock = clock;
        Algorithm = algorithm;
        Digits = digits;
        Window = window;
    }

    /// <summary>The HMAC hash.</summary>
    public OtpAlgorithm Algorithm { get; }

    /// <summary>The code length, 6 or 8.</summary>
    public int Digits { get; }

    /// <summary>Steps accepted either side of the current one.</summary>
    public int Window { get; }

    /// <summary>The time step the clock is in now.</summary>
    public long CurrentStep => StepAt(_clock.GetUtcNow());

    /// <summary>The time step containing <paramref name="time"/>: whole <see cref="StepSeconds"/> since the Unix epoch.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="time"/> is before the Unix epoch.</exception>
    public static long StepAt(DateTimeOffset time)
    {
        var seconds = time.ToUnixTimeSeconds();
        ArgumentOutOfRangeException.ThrowIfNegative(seconds, nameof(time));
        return seconds / StepSeconds;
    }

    /// <summary>The code for the current step.</summary>
    public string Generate(ReadOnlySpan<byte> secret) => GenerateForStep(secret, CurrentStep);

    /// <summary>The code for the step containing <paramref name="time"/>.</summary>
    public string GenerateAt(ReadOnlySpan<byte> secret, DateTimeOffset time) => GenerateForStep(secret, StepAt(time));

    /// <summary>The code for a given time step.</summary>
    public string GenerateForStep(ReadOnlySpan<byte> secret, long step) => Hotp.Generate(secret, step, Digits, Algorithm);

    /// <summary>
    /// Checks <paramref name="code"/> against the steps from <c>now - Window</c> to <c>now + Window</c>,
    /// skipping any step at or before <paramref name="lastAcceptedStep"/> so an accepted code cannot be used twice.
    /// </summary>
    /// <param name="secret">The shared secret.</param>
    /// <param name="code">What the user typed; spaces are ignored (apps show "123 456").</param>
    /// <param name="lastAcceptedStep">The step returned by the user's previous successful verification, or <see langword="null"/>.</param>
    /// <returns>The matched step, to be stored as the new last accepted step; <see langword="null"/> when the code is wrong, expired or replayed.</returns>
    public long? Verify(ReadOnlySpan<byte> secret, string? code, long? lastAcceptedStep)
    {
        Span<byte> typed = stackalloc byte[Digits];
        if (!TryReadDigits(code, typed))
        {
            return null;
        }

        var now = CurrentStep;
        var first = Math.Max(0, now - Window);
        if (lastAcceptedStep is { } last)
        {
            first = Math.Max(first, last + 1);
        }

        Span<byte> expected = stackalloc byte[Digits];
        long? matched = null;
        for (var step = first; step <= now + Window; step++)
        {
            Hotp.WriteAsciiDigits(Hotp.Compute(secret, step, Digits, Algorithm), expected);

            // Every candidate is computed and compared in full: no early exit reveals how much of the code was right.
            if (CryptographicOperations.FixedTimeEquals(expected, typed) && matched is null)
            {
                matched = step;
            }
        }

        return matched;
    }

    private static bool TryReadDigits(string? code, Span<byte> digits)
    {
        if (code is null)
        {
            return false;
        }

        var count = 0;
        foreach (var c in code)
        {
            if (c == ' ')
            {
                continue;
            }

            if (!char.IsAsciiDigit(c) || count == digits.Length)
            {
                return false;
            }

            digits[count++] = (byte)c;
        }

        return count == digits.Length;
    }
}
