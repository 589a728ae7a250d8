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
        invitation.Property(i => i.TenantId).HasColumnName("tenant_id");
        invitation.Property(i => i.Id).HasColumnName("id");
        invitation.Property(i => i.Email).HasColumnName("email");
        invitation.Property(i => i.RoleId).HasColumnName("role_id");
        invitation.Property(i => i.SecretHash).HasColumnName("secret_hash");
        invitation.Property(i => i.InvitedBy).HasColumnName("invited_by");
        invitation.Property(i => i.CreatedAt).HasColumnName("created_at");
        invitation.Property(i => i.ExpiresAt).HasColumnName("expires_at");
        invitation.Property(i => i.AcceptedAt).HasColumnName("accepted_at");
        invitation.Property(i => i.RevokedAt).HasColumnName("revoked_at");
    }
}
