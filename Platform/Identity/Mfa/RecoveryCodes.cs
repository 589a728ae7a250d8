using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Platform.Identity.Mfa;

/// <summary>A freshly generated set of recovery codes: show <see cref="Codes"/> to the user once, store only <see cref="Hashes"/>.</summary>
/// <param name="Codes">The codes in display form, <c>xxxxx-xxxxx</c>.</param>
/// <param name="Hashes">One stored hash per code, in the same order; the salt and work factor travel inside each.</param>
public sealed record GeneratedRecoveryCodes(IReadOnlyList<string> Codes, IReadOnlyList<string> Hashes);

/// <summary>
/// Single-use recovery codes for a user who has lost their authenticator. Codes are ten characters from an
/// alphabet without look-alikes; only salted PBKDF2 hashes are kept, and redeeming one removes its hash.
/// </summary>
public static class RecoveryCodes
{
    /// <summary>How many codes <see cref="Generate"/> makes unless told otherwise.</summary>
    public const int DefaultCount = 10;

    // Lower case, digits 2-9, no i/l/o: nothing to confuse with 0, 1, O or l once case is ignored. 31 symbols,
    // so a ten-character code carries about 49.5 bits.
    private const string Alphabet = "23456789abcdefghjkmnpqrstuvwxyz";
    private const int GroupLength = 5;
    private const int CodeLength = GroupLength * 2;

    // PBKDF2 rather than one SHA-256: with ~50 bits per code (~47 against a user's ten), a leaked table would fall
    // to a GPU in hours at plain-hash speed; 100,000 iterations put it at decades. One salt per generated set
    // (that is, per user) means a redemption derives once and compares against every stored hash.
    private const string Scheme = "pbkdf2-sha256";
    private const int Iterations = 100_000;
    private const int SaltSize = 16;
    private const int HashSize = 32;

    /// <summary>Generates <paramref name="count"/> codes and their hashes, all salted with one new per-user salt.</summary>
    public static GeneratedRecoveryCodes Generate(int count = DefaultCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, 100);
        var salt = RandomNumberGenerator.GetBytes(SaltSize);
        var codes = new string[count];
        var hashes = new string[count];
        for (var i = 0; i < count; i++)
        {
            var normalized = RandomNumberGenerator.GetString(Alphabet, CodeLength);
            codes[i] = string.Concat(normalized.AsSpan(0, GroupLength), "-", normalized.AsSpan(GroupLength));
            hashes[i] = string.Join(
                '$',
                Scheme,
                Iterations.ToString(CultureInfo.InvariantCulture),
                Convert.ToBase64String(salt),
                Convert.ToBase64String(Derive(normalized, salt, Iterations)));
        }

        return new GeneratedRecoveryCodes(codes, hashes);
    }

    /// <summary>
    /// Redeems <paramref name="input"/> if it matches one of <paramref name="storedHashes"/>. Case, spaces and dashes are ignored.
    /// </summary>
    /// <param name="storedHashes">The user's remaining hashes, as produced by <see cref="Generate"/>.</param>
    /// <param name="input">What the user typed.</param>
    /// <param name="remainingHashes">
    /// On success, the stored hashes without the redeemed one: save these so the code cannot be used again.
    /// Otherwise the stored hashes unchanged.
    /// </param>
    /// <returns><see langword="true"/> when the code matched an unused hash.</returns>
    /// <exception cref="FormatException">A stored hash is not in the format <see cref="Generate"/> writes.</exception>
    public static bool TryRedeem(IReadOnlyList<string> storedHashes, string? input, out IReadOnlyList<string> remainingHashes)
    {
        ArgumentNullException.ThrowIfNull(storedHashes);
        remainingHashes = storedHashes;
        var normalized = Normalize(input);
        if (normalized is null)
        {
            return false;
        }

        var matched = -1;
        var derivedBySalt = new Dictionary<(int Iterations, string Salt), byte[]>();
        for (var i = 0; i < storedHashes.Count; i++)
        {
            var (iterations, salt, expected) = Parse(storedHashes[i]);
            if (!derivedBySalt.TryGetValue((iterations, salt), out var derived))
            {
                derived = Derive(normalized, Convert.FromBase64String(salt), iterations);
                derivedBySalt.Add((iterations, salt), derived);
            }

            // Compare against every hash, with no early exit, so timing says nothing about which code (if any) matched.
            if (CryptographicOperations.FixedTimeEquals(derived, expected) && matched < 0)
            {
                matched = i;
            }
        }

        if (matched < 0)
        {
            return false;
        }

        remainingHashes = [.. storedHashes.Where((_, i) => i != matched)];
        return true;
    }

    /// <summary>Lower-cases and drops spaces and dashes; <see langword="null"/> when what remains cannot be a code.</summary>
    private static string? Normalize(string? input)
    {
        if (input is null)
        {
            return null;
        }

        var code = new StringBuilder(CodeLength);
        foreach (var c in input)
        {
            if (c is '-' || char.IsWhiteSpace(c))
            {
                continue;
            }

            var lower = char.ToLowerInvariant(c);
            if (code.Length == CodeLength || !Alphabet.Contains(lower, StringComparison.Ordinal))
            {
                return null;
            }

            code.Append(lower);
        }

        return code.Length == CodeLength ? code.ToString() : null;
    }

    private static byte[] Derive(string normalizedCode, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.ASCII.GetBytes(normalizedCode), salt, iterations, HashAlgorithmName.SHA256, HashSize);

    private static (int Iterations, string Salt, byte[] Hash) Parse(string stored)
    {
        var parts = stored?.Split('$');
        if (parts is not [Scheme, var iterationText, var salt, var hash]
            || !int.TryParse(iterationText, NumberStyles.None, CultureInfo.InvariantCulture, out var iterations)
            || iterations < 1)
        {
            throw new FormatException($"A stored recovery code hash is not in the '{Scheme}$<iterations>$<salt>$<hash>' format.");
        }

        return (iterations, salt, Convert.FromBase64String(hash));
    }
}
