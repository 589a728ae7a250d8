using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.Tenancy;

namespace Platform.Identity.ApiKeys;

/// <summary>An organization's API key: scoped to chosen permissions, optionally expiring, revocable; only its hash is kept.</summary>
public sealed class ApiKey : ITenantOwned
{
    public Guid TenantId { get; set; }

    public Guid Id { get; set; }

    public required string Name { get; set; }

    /// <summary>The key's public part (<c>bpk.…</c>), to recognise it in lists and logs.</summary>
    public required string Prefix { get; set; }

    public required byte[] SecretHash { get; set; }

    public required string[] Permissions { get; set; }

    public Guid? CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? ExpiresAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> key)
    {
        key.ToTable("api_keys");
        key.HasKey(k => new { k.TenantId, k.Id });
    }
}
