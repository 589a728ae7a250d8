using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Platform.Access;
using Platform.Audit;
using Platform.Data;
using Platform.Email;
using Platform.Identity.Mfa;
using Platform.Identity.Sessions;
using Platform.Security;
using Platform.Tenancy;
using Platform.Validation;

namespace Platform.Identity;

/// <summary>A new organization and its owner.</summary>
public sealed record Registration(string OrganizationName, string OrganizationSlug, string Email, string Password, string DisplayName);

/// <summary>Sign-in details; the organization is chosen by slug, else by the request host, else the first membership.</summary>
public sealed record SignIn(string Email, string Password, string? OrganizationSlug, string? TotpCode, string? RecoveryCode, IPAddress? Ip, string? UserAgent);

/// <summary>How a sign-in ended.</summary>
public enum SignInStatus
{
    Succeeded,
    InvalidCredentials,
    LockedOut,
    EmailNotConfirmed,

    /// <summary>The account uses a second factor and none (or a wrong one) was given.</summary>
    SecondFactorRequired,
    NotAMember,

    /// <summary>Too many failures from this address across accounts: try later.</summary>
    Throttled,
}

public sealed record SignInResult(SignInStatus Status, TokenPair? Tokens = null, DateTimeOffset? LockedUntil = null, Guid? UserId = null, Guid? OrganizationId = null, bool MfaSetupRequired = false);

/// <summary>The organization slug is taken.</summary>
public sealed class SlugTakenException(string slug) : Exception($"The organization address '{slug}' is already taken.");

/// <summary>
/// Registration, email confirmation, sign-in (lockout, second factor, organization choice) and
/// password reset, over ASP.NET Core Identity's user manager and the platform's sessions.
/// </summary>
public sealed partial class AccountService(
    PlatformDbContext db,
    UserManager<PlatformUser> users,
    TenantContext tenant,
    SessionService sessions,
    MfaService mfa,
    EmailService email,
    AuditTrail audit,
    SecurityEventRecorder security,
    BruteForceDetector bruteForce,
    TimeProvider clock)
{
    /// <summary>Creates the organization, its owner (email unconfirmed) and the membership; sends the confirmation email.</summary>
    public async Task<(Organization Organization, PlatformUser Owner)> RegisterAsync(Registration registration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var slug = registration.OrganizationSlug.Trim().ToLowerInvariant();
        ValidateRegistration(registration, slug);
        if (await db.Organizations.AnyAsync(o => o.Slug == slug, cancellationToken).ConfigureAwait(false))
        {
            throw new SlugTakenException(slug);
        }

        var organization = new Organization { Id = Guid.NewGuid(), Slug = slug, Name = registration.OrganizationName.Trim(), CreatedAt = clock.GetUtcNow() };
        var owner = new PlatformUser
        {
            Id = Guid.NewGuid(),
            UserName = registration.Email.Trim(),
            Email = registration.Email.Trim(),
            DisplayName = registration.DisplayName.Trim(),
            CreatedAt = clock.GetUtcNow(),
        };
        tenant.Set(organization.Id, owner.Id);
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
            db.Organizations.Add(organization);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            var created = await users.CreateAsync(owner, registration.Password).ConfigureAwait(false);
            if (!created.Succeeded)
            {
                throw new ValidationFailedException(ToErrors(created));
            }

            db.Members.Add(new OrganizationMember { UserId = owner.Id, JoinedAt = clock.GetUtcNow() });
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await db.Database.ExecuteSqlAsync(
                $"INSERT INTO member_roles (tenant_id, user_id, role_id, granted_by) VALUES ({organization.Id}, {owner.Id}, {SystemRoles.Owner.Id}, {owner.Id})",
                cancellationToken).ConfigureAwait(false);
            await audit.RecordAsync("organization.registered", "organization", organization.Id.ToString(),
                after: new { organization.Slug, organization.Name, owner = owner.Id }, cancellationToken: cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        var token = await users.GenerateEmailConfirmationTokenAsync(owner).ConfigureAwait(false);
        await email.SendAsync(new EmailRequest(organization.Id, EmailTemplates.EmailVerification, owner.Email!, null, new Dictionary<string, object?>
        {
            ["userName"] = owner.DisplayName,
            ["userId"] = owner.Id,
            ["code"] = token,
            // The web front end's landing page confirms with one click; absent when Email:AppBaseUrl is not set.
            ["confirmUrl"] = email.AppLink($"/confirm-email?user={owner.Id}&code={Uri.EscapeDataString(token)}"),
        }), cancellationToken).ConfigureAwait(false);
        return (organization, owner);
    }

    public async Task<bool> ConfirmEmailAsync(Guid userId, string token)
    {
        var user = await users.FindByIdAsync(userId.ToString()).ConfigureAwait(false);
        return user is not null && (await users.ConfirmEmailAsync(user, token).ConfigureAwait(false)).Succeeded;
    }

    public async Task<SignInResult> SignInAsync(SignIn request, Guid? hostOrganizationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Ip is not null && await bruteForce.IsIpThrottledAsync(request.Ip, cancellationToken).ConfigureAwait(false))
        {
            return new SignInResult(SignInStatus.Throttled);
        }

        var user = await users.FindByEmailAsync(request.Email.Trim()).ConfigureAwait(false);
        if (user is null)
        {
            // Same work as a real check, so response time does not reveal which emails exist.
            users.PasswordHasher.VerifyHashedPassword(new PlatformUser(), DummyHash.Value, request.Password);
            await security.RecordAsync(new SecurityEvent(SecurityEventType.FailedLogin, null, null, request.Ip, Account: request.Email.Trim().ToLowerInvariant(),
                Detail: "unknown account", UserAgent: request.UserAgent), cancellationToken).ConfigureAwait(false);
            return new SignInResult(SignInStatus.InvalidCredentials);
        }

        if (await users.IsLockedOutAsync(user).ConfigureAwait(false))
        {
            return new SignInResult(SignInStatus.LockedOut, LockedUntil: user.LockoutEnd, UserId: user.Id);
        }

        if (!await users.CheckPasswordAsync(user, request.Password).ConfigureAwait(false))
        {
            return await FailAsync(user, request, SecurityEventType.FailedLogin, cancellationToken).ConfigureAwait(false);
        }

        if (!user.EmailConfirmed)
        {
            return new SignInResult(SignInStatus.EmailNotConfirmed, UserId: user.Id);
        }

        tenant.SetUser(user.Id);
        var memberships = await db.Members.IgnoreQueryFilters()
            .Where(m => m.UserId == user.Id)
            .Join(db.Organizations, m => m.TenantId, o => o.Id, (m, o) => new { o.Id, o.Slug, o.MfaRequired, m.JoinedAt })
            .OrderBy(m => m.JoinedAt)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var slug = request.OrganizationSlug?.Trim().ToLowerInvariant();
        var organization = slug is not null ? memberships.FirstOrDefault(m => m.Slug == slug)
            : hostOrganizationId is { } host ? memberships.FirstOrDefault(m => m.Id == host)
            : memberships.FirstOrDefault();
        if (organization is null)
        {
            return new SignInResult(SignInStatus.NotAMember, UserId: user.Id);
        }

        var usedSecondFactor = false;
        if (user.TwoFactorEnabled)
        {
            if (string.IsNullOrWhiteSpace(request.TotpCode) && string.IsNullOrWhiteSpace(request.RecoveryCode))
            {
                return new SignInResult(SignInStatus.SecondFactorRequired, UserId: user.Id);
            }

            var verified = request.TotpCode is { Length: > 0 }
                ? await mfa.VerifyCodeAsync(user, request.TotpCode).ConfigureAwait(false)
                : await mfa.RedeemRecoveryCodeAsync(user, request.RecoveryCode!).ConfigureAwait(false);
            if (!verified)
            {
                var failed = await FailAsync(user, request, SecurityEventType.MfaFailed, cancellationToken).ConfigureAwait(false);
                return failed.Status == SignInStatus.LockedOut ? failed : new SignInResult(SignInStatus.SecondFactorRequired, UserId: user.Id);
            }

            usedSecondFactor = true;
        }

        await users.ResetAccessFailedCountAsync(user).ConfigureAwait(false);
        tenant.Set(organization.Id, user.Id);
        TokenPair tokens;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
            var fromNewAddress = await IsNewAddressAsync(organization.Id, user.Id, request.Ip, cancellationToken).ConfigureAwait(false);
            tokens = await sessions.StartAsync(user, usedSecondFactor, request.Ip, request.UserAgent, cancellationToken).ConfigureAwait(false);
            await audit.RecordAsync("session.started", "session", tokens.SessionId.ToString(), after: new { userId = user.Id, mfa = usedSecondFactor },
                cancellationToken: cancellationToken).ConfigureAwait(false);
            if (fromNewAddress && user.Email is { Length: > 0 } address)
            {
                // Sent with the session: a sign-in that rolls back tells nobody.
                await email.QueueAsync(db, new EmailRequest(organization.Id, EmailTemplates.NewSignIn, address, null, new Dictionary<string, object?>
                {
                    ["userName"] = user.DisplayName,
                    ["signedInAt"] = clock.GetUtcNow(),
                    ["ipAddress"] = request.Ip!.ToString(),
                    ["userAgent"] = request.UserAgent,
                }), cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        return new SignInResult(SignInStatus.Succeeded, tokens, UserId: user.Id, OrganizationId: organization.Id,
            MfaSetupRequired: organization.MfaRequired && !user.TwoFactorEnabled);
    }

    /// <summary>Always succeeds from the caller's view (no account enumeration); emails a reset code when the account exists.</summary>
    public async Task RequestPasswordResetAsync(string emailAddress, CancellationToken cancellationToken = default)
    {
        var user = await users.FindByEmailAsync(emailAddress.Trim()).ConfigureAwait(false);
        if (user is null)
        {
            return;
        }

        var token = await users.GeneratePasswordResetTokenAsync(user).ConfigureAwait(false);
        await email.SendAsync(new EmailRequest(await HomeOrganizationAsync(user, cancellationToken).ConfigureAwait(false), EmailTemplates.PasswordReset, user.Email!, null,
            new Dictionary<string, object?> { ["userName"] = user.DisplayName, ["code"] = token }), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets a new password with a reset code (single use: the security stamp changes, which also ends other sessions' cookies).</summary>
    public async Task<bool> ResetPasswordAsync(string emailAddress, string token, string newPassword)
    {
        var user = await users.FindByEmailAsync(emailAddress.Trim()).ConfigureAwait(false);
        if (user is null)
        {
            return false;
        }

        var result = await users.ResetPasswordAsync(user, token, newPassword).ConfigureAwait(false);
        if (!result.Succeeded && result.Errors.Any(e => e.Code != nameof(IdentityErrorDescriber.InvalidToken)))
        {
            throw new ValidationFailedException(new Dictionary<string, string[]> { ["newPassword"] = [.. result.Errors.Select(e => e.Description)] });
        }

        if (result.Succeeded)
        {
            await users.ResetAccessFailedCountAsync(user).ConfigureAwait(false);
            await users.SetLockoutEndDateAsync(user, null).ConfigureAwait(false);
            await email.SendAsync(new EmailRequest(await HomeOrganizationAsync(user, CancellationToken.None).ConfigureAwait(false), EmailTemplates.PasswordChanged, user.Email!, null,
                new Dictionary<string, object?> { ["userName"] = user.DisplayName, ["changedAt"] = clock.GetUtcNow() })).ConfigureAwait(false);
        }

        return result.Succeeded;
    }

    private async Task<SignInResult> FailAsync(PlatformUser user, SignIn request, SecurityEventType type, CancellationToken cancellationToken)
    {
        await users.AccessFailedAsync(user).ConfigureAwait(false);
        // The account's organization (the chosen one when it is theirs) hears about attacks on its members.
        tenant.SetUser(user.Id);
        var organizations = await db.Members.IgnoreQueryFilters().Where(m => m.UserId == user.Id)
            .Join(db.Organizations, m => m.TenantId, o => o.Id, (m, o) => new { o.Id, o.Slug }).ToListAsync(cancellationToken).ConfigureAwait(false);
        var slug = request.OrganizationSlug?.Trim().ToLowerInvariant();
        Guid? organizationId = (organizations.FirstOrDefault(o => o.Slug == slug) ?? organizations.FirstOrDefault())?.Id;
        await security.RecordAsync(new SecurityEvent(type, organizationId, user.Id, request.Ip, Account: user.NormalizedEmail, UserAgent: request.UserAgent), cancellationToken).ConfigureAwait(false);
        if (!await users.IsLockedOutAsync(user).ConfigureAwait(false))
        {
            return new SignInResult(SignInStatus.InvalidCredentials, UserId: user.Id);
        }

        await security.RecordAsync(new SecurityEvent(SecurityEventType.Lockout, organizationId, user.Id, request.Ip, Account: user.NormalizedEmail, UserAgent: request.UserAgent), cancellationToken).ConfigureAwait(false);

        await email.SendAsync(new EmailRequest(organizationId, EmailTemplates.AccountLocked, user.Email!, null, new Dictionary<string, object?>
        {
            ["userName"] = user.DisplayName,
            ["lockedUntil"] = user.LockoutEnd ?? clock.GetUtcNow(),
        }), cancellationToken).ConfigureAwait(false);
        return new SignInResult(SignInStatus.LockedOut, LockedUntil: user.LockoutEnd, UserId: user.Id);
    }

    /// <summary>The organization a user joined first (its branding and send log for account emails), or null when they belong to none.</summary>
    private async Task<Guid?> HomeOrganizationAsync(PlatformUser user, CancellationToken cancellationToken)
    {
        tenant.SetUser(user.Id);
        return await db.Members.IgnoreQueryFilters().Where(m => m.UserId == user.Id).OrderBy(m => m.JoinedAt)
            .Select(m => (Guid?)m.TenantId).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether the user has signed in to the organization before, but never from <paramref name="ip"/>.</summary>
    private async Task<bool> IsNewAddressAsync(Guid organizationId, Guid userId, IPAddress? ip, CancellationToken cancellationToken)
    {
        if (ip is null)
        {
            return false;
        }

        return await db.Database.SqlQuery<bool>($"""
            SELECT EXISTS (SELECT 1 FROM sessions WHERE tenant_id = {organizationId} AND user_id = {userId})
               AND NOT EXISTS (SELECT 1 FROM sessions WHERE tenant_id = {organizationId} AND user_id = {userId} AND ip = {ip}) AS "Value"
            """).SingleAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void ValidateRegistration(Registration registration, string slug)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(registration.OrganizationName) || registration.OrganizationName.Trim().Length > 200)
        {
            errors["organizationName"] = ["Give the organization a name of 1 to 200 characters."];
        }

        if (!SlugPattern().IsMatch(slug))
        {
            errors["organizationSlug"] = ["Use 1 to 63 lower-case letters, digits or hyphens, starting and ending with a letter or digit."];
        }

        if (string.IsNullOrWhiteSpace(registration.Email) || registration.Email.Length > 256 || !System.Net.Mail.MailAddress.TryCreate(registration.Email.Trim(), out _))
        {
            errors["email"] = ["Enter a valid email address."];
        }

        if (string.IsNullOrWhiteSpace(registration.DisplayName) || registration.DisplayName.Trim().Length > 200)
        {
            errors["displayName"] = ["Enter your name (1 to 200 characters)."];
        }

        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }
    }

    private static Dictionary<string, string[]> ToErrors(IdentityResult result) =>
        result.Errors.GroupBy(e => e.Code.StartsWith("Password", StringComparison.Ordinal) ? "password" : e.Code.Contains("Email", StringComparison.Ordinal) || e.Code.Contains("UserName", StringComparison.Ordinal) ? "email" : "request")
            .ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray());

    // A real hash of a random password, used only to spend equal time on unknown emails.
    private static readonly Lazy<string> DummyHash = new(() => new PasswordHasher<PlatformUser>().HashPassword(new PlatformUser(), Guid.NewGuid().ToString()));

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial System.Text.RegularExpressions.Regex SlugPattern();
}
