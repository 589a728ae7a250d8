using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Platform.Identity;
using Platform.Tenancy;

namespace Platform.Data;

/// <summary>
/// The platform's EF Core model over the tables that Data/Migrations/*.sql create (the SQL files
/// are the schema's source of truth; this maps onto them). Every <see cref="ITenantOwned"/>
/// entity is filtered by the current tenant, and stamped with it on insert.
/// </summary>
public class PlatformDbContext : IdentityUserContext<PlatformUser, Guid>
{
    // Contexts are pooled: the request's tenant is attached when one is handed out and dropped when it is
    // returned, so a context never carries one request's tenant into the next. Without one, queries see no
    // tenant rows and writes of tenant rows are refused.
    private TenantContext? _tenant;

    public PlatformDbContext(DbContextOptions<PlatformDbContext> options)
        : base(options)
    {
        // Even a single statement: the transaction's start is where row-level security learns the tenant
        // (TenantSessionInterceptor). Pooling restores this after each use.
        Database.AutoTransactionBehavior = AutoTransactionBehavior.Always;
    }

    public DbSet<Organization> Organizations => Set<Organization>();

    public DbSet<OrganizationMember> Members => Set<OrganizationMember>();

    /// <summary>The tenant this context reads and writes; queries see only its rows.</summary>
    public Guid? CurrentTenantId => _tenant?.TenantId;

    /// <summary>The signed-in user acting, if any (row-level security lets them see their own memberships).</summary>
    public Guid? CurrentUserId => _tenant?.UserId;

    /// <summary>Binds the context to the request's (scope's) tenant until it is disposed.</summary>
    internal void UseTenant(TenantContext tenant) => _tenant = tenant;

    public override void Dispose()
    {
        _tenant = null;
        base.Dispose();
        GC.SuppressFinalize(this);
    }

    public override ValueTask DisposeAsync()
    {
        _tenant = null;
        GC.SuppressFinalize(this);
        return base.DisposeAsync();
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        StampTenant();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        StampTenant();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        base.OnModelCreating(builder);

        builder.Entity<PlatformUser>(user =>
        {
            user.ToTable("users");
            user.Property(u => u.CreatedAt).HasDefaultValueSql("now()");
        });
        builder.Entity<IdentityUserClaim<Guid>>().ToTable("user_claims");
        builder.Entity<IdentityUserLogin<Guid>>().ToTable("user_logins");
        builder.Entity<IdentityUserToken<Guid>>().ToTable("user_tokens");

        builder.Entity<Organization>(organization =>
        {
            organization.ToTable("organizations");
            organization.Property(o => o.Id).HasDefaultValueSql("gen_random_uuid()");
            organization.Property(o => o.CreatedAt).HasDefaultValueSql("now()");
            organization.HasIndex(o => o.Slug).IsUnique();
        });

        builder.Entity<OrganizationMember>(member =>
        {
            member.ToTable("organization_members");
            member.HasKey(m => new { m.TenantId, m.UserId });
            member.Property(m => m.JoinedAt).HasDefaultValueSql("now()");
            member.HasOne<Organization>().WithMany().HasForeignKey(m => m.TenantId);
            member.HasOne<PlatformUser>().WithMany().HasForeignKey(m => m.UserId);
        });

        // Each module maps its own entities (IEntityTypeConfiguration classes beside them).
        builder.ApplyConfigurationsFromAssembly(typeof(PlatformDbContext).Assembly);
        SnakeCaseNames.Apply(builder);
        ApplyTenantFilters(builder);
    }

    /// <summary>Every tenant-owned entity: only the current tenant's rows (none without a tenant).</summary>
    private void ApplyTenantFilters(ModelBuilder builder)
    {
        foreach (var entity in builder.Model.GetEntityTypes().Where(e => typeof(ITenantOwned).IsAssignableFrom(e.ClrType)))
        {
            GetType().GetMethod(nameof(FilterByTenant), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
                .MakeGenericMethod(entity.ClrType).Invoke(this, [builder]);
        }
    }

    private void FilterByTenant<TEntity>(ModelBuilder builder)
        where TEntity : class, ITenantOwned =>
        builder.Entity<TEntity>().HasQueryFilter(e => e.TenantId == CurrentTenantId);

    /// <summary>New tenant-owned rows get the current tenant; a row naming another tenant is refused.</summary>
    private void StampTenant()
    {
        foreach (var entry in ChangeTracker.Entries<ITenantOwned>())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified or EntityState.Deleted))
            {
                continue;
            }

            var current = (_tenant ?? throw new CrossTenantWriteException(entry.Metadata.ClrType.Name)).RequiredTenantId;
            if (entry.State == EntityState.Added && entry.Entity.TenantId == Guid.Empty)
            {
                entry.Entity.TenantId = current;
            }
            else if (entry.Entity.TenantId != current)
            {
                throw new CrossTenantWriteException(entry.Metadata.ClrType.Name);
            }
        }
    }
}

/// <summary>Code tried to write a row of another organization than the request's.</summary>
public sealed class CrossTenantWriteException(string entity)
    : InvalidOperationException($"Refused to write a {entity} that belongs to another organization than the current one.");
