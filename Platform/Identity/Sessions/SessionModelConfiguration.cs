using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Platform.Identity.Sessions;

internal sealed class UserSessionConfiguration : IEntityTypeConfiguration<UserSession>
{
    public void Configure(EntityTypeBuilder<UserSession> session)
    {
        session.ToTable("sessions");
        session.HasKey(s => new { s.TenantId, s.Id });
    }
}

internal sealed class RefreshTokenConfiguration : IEntityTypeConfiguration<RefreshToken>
{
    public void Configure(EntityTypeBuilder<RefreshToken> token)
    {
        token.ToTable("refresh_tokens");
        token.HasKey(t => new { t.TenantId, t.Id });
        // Tells EF the insert order: a session before its first token.
        token.HasOne<UserSession>().WithMany().HasForeignKey(t => new { t.TenantId, t.SessionId });
    }
}
