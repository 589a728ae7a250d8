using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Access;
using Platform.Audit;
using Platform.Data;
using Platform.Email;
using Platform.Identity.Tokens;
using Platform.Tenancy;
using Platform.Validation;
using Platform.Messaging;

namespace Platform.Identity.Invitations;

/// <summary>How accepting an invitation ended.</summary>
public enum AcceptOutcome
{
    Joined,
    Invalid,
    Expired,
    AlreadyUsed,

    /// <summary>The email already has an account, and the password given is not its password.</summary>
    WrongPassword,
}

/// <summary>
/// Invitations by email with a role. The inviter must hold every permission of the role (nobody
/// grants what they do not hold). Accepting creates the account (its email is proven by the
/// token) or links an existing one (after its password), adds the membership and the role.
/// </summary>
public sealed class InvitationService(
    PlatformDbContext db,
    TenantContext tenant,
    UserManager<PlatformUser> users,
    RoleService roles,
    PermissionEvaluator permissions,
    EmailService email,
    AuditTrail audit,
    IOptions<PlatformIdentityOptions> options,
    TimeProvider clock)
{
    private const string Kind = "inv";

    public async Task<Invitation> InviteAsync(Guid actorId, string address, Guid roleId, CancellationToken cancellationToken = default)
    {
        var tenantId = tenant.RequiredTenantId;
        address = (address ?? string.Empty).Trim();
        if (address.Length is 0 or > 256 || !System.Net.Mail.MailAddress.TryCreate(address, out _))
        {
            throw ValidationFailedException.For("email", "Enter a valid email address.");
        }

        var role = (await roles.ListRolesAsync(tenantId, actorId, cancellationToken).ConfigureAwait(false)).FirstOrDefault(r => r.Id == roleId)
            ?? throw new AccessNotFoundException(AccessNotFoundException.RoleNotFound, "No such role in this organization.");
        var held = await permissions.GetPermissionsAsync(tenantId, actorId, cancellationToken).ConfigureAwait(false);
        var missing = role.Permissions.Where(p => !held.Contains(p)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            throw new AccessDeniedException(missing, $"You cannot invite someone as '{role.Name}': it holds permissions you do not ({string.Join(", ", missing)}).");
        }

        var token = OpaqueToken.Create(Kind, tenantId);
        var now = clock.GetUtcNow();
        var invitation = new Invitation
        {
            Id = token.Id,
            Email = address,
            RoleId = roleId,
            SecretHash = token.SecretHash,
            InvitedBy = actorId,
            CreatedAt = now,
            ExpiresAt = now + options.Value.InvitationLifetime,
        };
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
            db.Add(invitation);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await audit.RecordAsync("invitation.created", "invitation", invitation.Id.ToString(), after: new { invitation.Email, role = role.Name, invitation.ExpiresAt }, cancellationToken: cancellationToken).ConfigureAwait(false);
            await Outbox.AddAsync(db, IntegrationEvent.Create(EventTypes.UserInvited, tenantId,
                new { invitationId = invitation.Id, invitation.Email, roleId = role.Id, invitation.ExpiresAt }), cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        var inviter = await users.FindByIdAsync(actorId.ToString()).ConfigureAwait(false);
        await email.SendAsync(new EmailRequest(tenantId, EmailTemplates.Invitation, address, null, new Dictionary<string, object?>
        {
            ["roleName"] = role.Name,
            ["expiresInDays"] = (int)Math.Round(options.Value.InvitationLifetime.TotalDays),
            ["code"] = token.ToString(),
            ["inviterName"] = string.IsNullOrWhiteSpace(inviter?.DisplayName) ? null : inviter.DisplayName,
            // The web front end's page with the code filled in; absent when Email:AppBaseUrl is not set.
            ["acceptUrl"] = email.AppLink($"/accept-invitation?code={Uri.EscapeDataString(token.ToString())}"),
        }), cancellationToken).ConfigureAwait(false);
        return invitation;
    }

    public Task<List<Invitation>> ListPendingAsync(CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        return db.Set<Invitation>().Where(i => i.AcceptedAt == null && i.RevokedAt == null && i.ExpiresAt > now).OrderByDescending(i => i.CreatedAt).ToListAsync(cancellationToken);
    }

    public async Task<bool> RevokeAsync(Guid invitationId, CancellationToken cancellationToken = default)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var invitation = await db.Set<Invitation>().SingleOrDefaultAsync(i => i.Id == invitationId && i.AcceptedAt == null && i.RevokedAt == null, cancellationToken).ConfigureAwait(false);
        if (invitation is null)
        {
            return false;
        }

        invitation.RevokedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync("invitation.revoked", "invitation", invitation.Id.ToString(), before: new { invitation.Email }, cancellationToken: cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Accepts with the emailed code. New accounts need a password and name; existing ones their password.</summary>
    public async Task<(AcceptOutcome Outcome, Guid? UserId)> AcceptAsync(string code, string password, string? displayName, CancellationToken cancellationToken = default)
    {
        if (!OpaqueToken.TryParse(code, Kind, out var token))
        {
            return (AcceptOutcome.Invalid, null);
        }

        tenant.Set(token.TenantId, userId: null);
        var invitation = await db.Set<Invitation>().SingleOrDefaultAsync(i => i.Id == token.Id, cancellationToken).ConfigureAwait(false);
        if (invitation is null || !token.Matches(invitation.SecretHash) || invitation.RevokedAt is not null)
        {
            tenant.Reset();
            return (AcceptOutcome.Invalid, null);
        }

        if (invitation.AcceptedAt is not null)
        {
            return (AcceptOutcome.AlreadyUsed, null);
        }

        if (invitation.ExpiresAt <= clock.GetUtcNow())
        {
            return (AcceptOutcome.Expired, null);
        }

        var user = await users.FindByEmailAsync(invitation.Email).ConfigureAwait(false);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            if (string.IsNullOrWhiteSpace(displayName) || displayName.Trim().Length > 200)
            {
                throw ValidationFailedException.For("displayName", "Enter your name (1 to 200 characters).");
            }

            // The code arrived by email, so the address is proven: no separate confirmation.
            user = new PlatformUser { Id = Guid.NewGuid(), UserName = invitation.Email, Email = invitation.Email, EmailConfirmed = true, DisplayName = displayName.Trim(), CreatedAt = clock.GetUtcNow() };
            var created = await users.CreateAsync(user, password ?? string.Empty).ConfigureAwait(false);
            if (!created.Succeeded)
            {
                throw new ValidationFailedException(new Dictionary<string, string[]> { ["password"] = [.. created.Errors.Select(e => e.Description)] });
            }
        }
        else if (!await users.CheckPasswordAsync(user, password ?? string.Empty).ConfigureAwait(false))
        {
            return (AcceptOutcome.WrongPassword, null);
        }

        tenant.SetUser(user.Id);
        if (!await db.Members.AnyAsync(m => m.UserId == user.Id, cancellationToken).ConfigureAwait(false))
        {
            db.Members.Add(new OrganizationMember { UserId = user.Id, JoinedAt = clock.GetUtcNow() });
        }

        invitation.AcceptedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        // The inviter's right to grant this role was checked when the invitation was made.
        await db.Database.ExecuteSqlAsync(
            $"INSERT INTO member_roles (tenant_id, user_id, role_id, granted_by) VALUES ({token.TenantId}, {user.Id}, {invitation.RoleId}, {invitation.InvitedBy}) ON CONFLICT DO NOTHING",
            cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync("invitation.accepted", "invitation", invitation.Id.ToString(), after: new { userId = user.Id, invitation.RoleId }, cancellationToken: cancellationToken).ConfigureAwait(false);
        await Outbox.AddAsync(db, IntegrationEvent.Create(EventTypes.MemberJoined, token.TenantId, new { userId = user.Id, invitation.RoleId }), cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        await permissions.InvalidateTenantAsync(token.TenantId, cancellationToken).ConfigureAwait(false);
        return (AcceptOutcome.Joined, user.Id);
    }
}
