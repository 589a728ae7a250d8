using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.Tenancy;

namespace Platform.Identity.Invitations;

/// <summary>An invitation to join the organization with a role; the emailed token is kept only as a hash.</summary>
public sealed class Invitation : ITenantOwned
{
    public Guid TenantId { get; set; }

    public Guid Id { get; set; }

    public required string Email { get; set; }

    public Guid RoleId { get; set; }

    public required byte[] SecretHash { get; set; }

    public Guid? InvitedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? AcceptedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}

internal sealed class InvitationConfiguration : IEntityTypeConfiguration<Invitation>
{
    public void Configure(EntityTypeBuilder<Invitation> invitation)
    {
        invitation.ToTable("invitations");
        invitation.HasKey(i => new { i.TenantId, i.Id });
    }
}
