using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.Data;

namespace Platform.Tenancy;

/// <summary>Bound from <c>Tenancy</c>: the domain whose subdomains name organizations (<c>acme.example.com</c>).</summary>
public sealed class TenancyOptions
{
    public const string SectionName = "Tenancy";

    /// <summary>Null or empty: organizations are not resolved from the host.</summary>
    public string? BaseDomain { get; set; }
}

/// <summary>
/// Finds the organization a request's host names: <c>{slug}.{BaseDomain}</c>. Verified custom domains
/// arrive with the white-label work. Results are cached for a minute (including "none").
/// </summary>
public sealed class HostOrganizationResolver(IServiceScopeFactory scopes, IMemoryCache cache, IOptions<TenancyOptions> options)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(1);

    /// <summary>The organization's id, or null when the host names none (or an unknown one).</summary>
    public async Task<Guid?> ResolveAsync(string host, CancellationToken cancellationToken = default)
    {
        var slug = SlugOf(host);
        if (slug is null)
        {
            return null;
        }

        return await cache.GetOrCreateAsync($"host-org:{slug}", async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = CacheFor;
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            var id = await db.Organizations.Where(o => o.Slug == slug).Select(o => (Guid?)o.Id).SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            return id;
        }).ConfigureAwait(false);
    }

    /// <summary>The subdomain label directly under the base domain, if the host is one.</summary>
    public string? SlugOf(string host)
    {
        var baseDomain = options.Value.BaseDomain?.Trim().TrimStart('.').ToLowerInvariant();
        if (string.IsNullOrEmpty(baseDomain) || string.IsNullOrEmpty(host))
        {
            return null;
        }

        host = host.ToLowerInvariant();
        var suffix = "." + baseDomain;
        if (!host.EndsWith(suffix, StringComparison.Ordinal))
        {
            return null;
        }

        var label = host[..^suffix.Length];
        return label.Length is > 0 and <= 63 && !label.Contains('.', StringComparison.Ordinal) ? label : null;
    }
}
