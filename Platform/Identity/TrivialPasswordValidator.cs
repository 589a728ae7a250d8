using Microsoft.AspNetCore.Identity;

namespace Platform.Identity;

/// <summary>
/// Rejects passwords that appear at the top of breach corpora or follow their patterns: one
/// repeated character, keyboard and digit runs, the account's own email name, or a common
/// password with digits or symbols tacked on. The length and character rules come from
/// Identity's built-in validator.
/// </summary>
public sealed class TrivialPasswordValidator : IPasswordValidator<PlatformUser>
{
    private static readonly string[] CommonRoots =
    [
        "password", "passw0rd", "p@ssword", "p@ssw0rd", "qwerty", "qwertyuiop", "asdfgh", "zxcvbn", "letmein", "welcome",
        "admin", "administrator", "iloveyou", "monkey", "dragon", "football", "baseball", "master", "sunshine", "princess",
        "shadow", "superman", "trustno1", "abc123", "changeme", "secret", "login", "starwars", "whatever", "freedom",
        "1q2w3e4r", "1qaz2wsx", "zaq12wsx", "azerty", "motdepasse", "bonjour", "soleil", "default", "guest", "test",
    ];

    private static readonly string[] Runs = ["0123456789", "9876543210", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm"];

    public Task<IdentityResult> ValidateAsync(UserManager<PlatformUser> manager, PlatformUser user, string? password)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (string.IsNullOrEmpty(password))
        {
            return Task.FromResult(IdentityResult.Success);
        }

        return Task.FromResult(IsTrivial(password, user.Email)
            ? IdentityResult.Failed(new IdentityError
            {
                Code = "PasswordTooCommon",
                Description = "This password is too common or too easy to guess. Choose a longer phrase that is not based on a common word, a keyboard pattern or your email address.",
            })
            : IdentityResult.Success);
    }

    public static bool IsTrivial(string password, string? email)
    {
        ArgumentNullException.ThrowIfNull(password);
        var lower = password.ToLowerInvariant();
        if (lower.Distinct().Count() <= 2)
        {
            return true;
        }

        // A common root with only digits and symbols around it ("Password123!", "!!qwerty2024").
        var core = new string(lower.Where(char.IsLetter).ToArray());
        if (CommonRoots.Any(root => core == new string(root.Where(char.IsLetter).ToArray()) || lower.Trim("0123456789!@#$%^&*?._-".ToCharArray()) == root))
        {
            return true;
        }

        if (Runs.Any(run => lower.Length >= 6 && (run.Contains(lower, StringComparison.Ordinal) || lower.Length <= run.Length + 2 && run.Contains(lower[..^2], StringComparison.Ordinal))))
        {
            return true;
        }

        var emailName = email?.Split('@')[0].ToLowerInvariant();
        return emailName is { Length: >= 4 } && lower.Contains(emailName, StringComparison.Ordinal);
    }
}
