using System.Globalization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;

namespace Platform.Identity.Mfa;

/// <summary>What an authenticator app needs to be set up: the key to type and the URI to scan.</summary>
public sealed record AuthenticatorSetup(string SharedKey, string OtpAuthUri);

/// <summary>
/// TOTP second factor per user: setup with a pending key confirmed by a first code, verification
/// with replay protection (a code's time step is accepted once), and single-use recovery codes.
/// Keys are stored in Identity's user tokens, protected with the shared data-protection key ring.
/// </summary>
public sealed class MfaService(UserManager<PlatformUser> users, IDataProtectionProvider dataProtection, TimeProvider clock)
{
    private const string Provider = "[Platform]";
    private const string ActiveKey = "AuthenticatorKey";
    private const string PendingKey = "PendingAuthenticatorKey";
    private const string LastStep = "LastTotpStep";
    private const string RecoveryHashes = "RecoveryCodes";
    private const string Issuer = "Business Platform";
    private readonly IDataProtector _protector = dataProtection.CreateProtector("Platform.Identity.Mfa");
    private readonly Totp _totp = new(clock);

    /// <summary>Creates a new pending key; the current factor (if any) stays active until a code confirms the new one.</summary>
    public async Task<AuthenticatorSetup> BeginSetupAsync(PlatformUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var key = AuthenticatorKey.Generate();
        await users.SetAuthenticationTokenAsync(user, Provider, PendingKey, _protector.Protect(Base32.Encode(key))).ConfigureAwait(false);
        return new AuthenticatorSetup(AuthenticatorKey.FormatForDisplay(key), AuthenticatorKey.BuildOtpAuthUri(Issuer, user.Email ?? user.Id.ToString(), key));
    }

    /// <summary>Confirms the pending key with a code from the app, turns MFA on, and returns fresh recovery codes (shown once); null when the code is wrong.</summary>
    public async Task<IReadOnlyList<string>?> EnableAsync(PlatformUser user, string code)
    {
        ArgumentNullException.ThrowIfNull(user);
        var pending = await ReadKeyAsync(user, PendingKey).ConfigureAwait(false);
        if (pending is null || _totp.Verify(pending, code, lastAcceptedStep: null) is not { } step)
        {
            return null;
        }

        await users.SetAuthenticationTokenAsync(user, Provider, ActiveKey, await users.GetAuthenticationTokenAsync(user, Provider, PendingKey).ConfigureAwait(false)).ConfigureAwait(false);
        await users.RemoveAuthenticationTokenAsync(user, Provider, PendingKey).ConfigureAwait(false);
        await users.SetAuthenticationTokenAsync(user, Provider, LastStep, step.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
        await users.SetTwoFactorEnabledAsync(user, true).ConfigureAwait(false);
        return await RegenerateRecoveryCodesAsync(user).ConfigureAwait(false);
    }

    public async Task DisableAsync(PlatformUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        await users.SetTwoFactorEnabledAsync(user, false).ConfigureAwait(false);
        foreach (var name in new[] { ActiveKey, PendingKey, LastStep, RecoveryHashes })
        {
            await users.RemoveAuthenticationTokenAsync(user, Provider, name).ConfigureAwait(false);
        }
    }

    /// <summary>Checks a code from the authenticator app; each time step is accepted only once.</summary>
    public async Task<bool> VerifyCodeAsync(PlatformUser user, string code)
    {
        ArgumentNullException.ThrowIfNull(user);
        var key = await ReadKeyAsync(user, ActiveKey).ConfigureAwait(false);
        if (key is null)
        {
            return false;
        }

        var last = await users.GetAuthenticationTokenAsync(user, Provider, LastStep).ConfigureAwait(false);
        long? lastStep = long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
        if (_totp.Verify(key, code, lastStep) is not { } step)
        {
            return false;
        }

        await users.SetAuthenticationTokenAsync(user, Provider, LastStep, step.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
        return true;
    }

    public async Task<bool> RedeemRecoveryCodeAsync(PlatformUser user, string code)
    {
        ArgumentNullException.ThrowIfNull(user);
        var stored = await users.GetAuthenticationTokenAsync(user, Provider, RecoveryHashes).ConfigureAwait(false);
        if (string.IsNullOrEmpty(stored) || !RecoveryCodes.TryRedeem(stored.Split(';'), code, out var remaining))
        {
            return false;
        }

        await users.SetAuthenticationTokenAsync(user, Provider, RecoveryHashes, string.Join(';', remaining)).ConfigureAwait(false);
        return true;
    }

    /// <summary>Replaces all recovery codes; returns the new ones in clear (the only time they are visible).</summary>
    public async Task<IReadOnlyList<string>> RegenerateRecoveryCodesAsync(PlatformUser user)
    {
        var generated = RecoveryCodes.Generate();
        await users.SetAuthenticationTokenAsync(user, Provider, RecoveryHashes, string.Join(';', generated.Hashes)).ConfigureAwait(false);
        return generated.Codes;
    }

    public async Task<int> CountRecoveryCodesAsync(PlatformUser user)
    {
        var stored = await users.GetAuthenticationTokenAsync(user, Provider, RecoveryHashes).ConfigureAwait(false);
        return string.IsNullOrEmpty(stored) ? 0 : stored.Split(';').Length;
    }

    private async Task<byte[]?> ReadKeyAsync(PlatformUser user, string name)
    {
        var stored = await users.GetAuthenticationTokenAsync(user, Provider, name).ConfigureAwait(false);
        return stored is null ? null : Base32.Decode(_protector.Unprotect(stored));
    }
}
