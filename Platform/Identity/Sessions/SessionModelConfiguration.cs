using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Platform.Identity.Sessions;

internal sealed class UserSessionConfiguration : IEntityTypeConfiguration<UserSession>
{
    public void Configure(EntityTypeBuilder<UserSession> session)
    {
        session.ToTable("sessions");
        session.HasKey(s => new { s.TenantId, s.Id });
        session.Property(s => s.TenantId).HasColumnName("tenant_id");
        session.Property(s => s.Id).HasColumnName("id");
        session.Property(s => s.UserId).HasColumnName("user_id");
        session.Property(s => s.CreatedAt).HasColumnName("created_at");
        session.Property(s => s.LastSeenAt).HasColumnName("last_seen_at");
        session.Property(s => s.Ip).HasColumnName("ip");
        session.Property(s => s.UserAgent).HasColumnName("user_agent");
        session.Property(s => s.RevokedAt).HasColumnName("revoked_at");
        session.Property(s => s.RevokedReason).HasColumnName("revoked_reason");
    }
}

internal sealed class RefreshTokenConfiguration : IEntityTypeConfiguration<RefreshToken>
{
    public void Configure(EntityTypeBuilder<RefreshToken> token)
    {
        token.ToTable("refresh_tokens");
        token.HasKey(t => new { t.TenantId, t.Id });
        token.Property(t => t.TenantId).HasColumnName("tenant_id");
        token.Property(t => t.Id).HasColumnName("id");
        token.Property(t => t.SessionId).HasColumnName("session_id");
        token.Property(t => t.SecretHash).HasColumnName("secret_hash");
        token.Property(t => t.CreatedAt).HasColumnName("created_at");
        token.Property(t => t.ExpiresAt).HasColumnName("expires_at");
        token.Property(t => t.UsedAt).HasColumnName("used_at");
        // Tells EF the insert order: a session before its first token.
        token.HasOne<UserSession>().WithMany().HasForeignKey(t => new { t.TenantId, t.SessionId });
    }
}
