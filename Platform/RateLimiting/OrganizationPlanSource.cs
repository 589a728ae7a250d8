using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Platform.Data;
using Platform.Tenancy;

namespace Platform.RateLimiting;

/// <summary>Tells the rate limiter an organization's plan (a key of <see cref="RateLimitOptions.Plans"/>).</summary>
public interface IOrganizationPlanSource
{
    /// <summary>The organization's plan, e.g. <c>free</c>; unknown organizations get the default plan.</summary>
    ValueTask<string> GetPlanAsync(Guid organizationId, CancellationToken cancellationToken = default);
}

/// <summary>
/// Reads <c>organizations.plan</c> through <see cref="PlatformDbContext"/> and keeps each answer for
/// <see cref="CacheDuration"/>, so rate limiting costs no database round trip on most requests; a plan change
/// takes effect within that time.
/// </summary>
public sealed class OrganizationPlanSource : IOrganizationPlanSource, IDisposable
{
    /// <summary>How long a plan is remembered.</summary>
    public static readonly TimeSpan CacheDuration = TimeSpan.FromSeconds(60);

    /// <summary>How long the default plan stands in after a failed lookup, so a database outage is not queried per request.</summary>
    private static readonly TimeSpan FailureCacheDuration = TimeSpan.FromSeconds(5);

    // Bounded: one entry per active organization; the oldest go first if there are ever more.
    private readonly MemoryCache _plans = new(new MemoryCacheOptions { SizeLimit = 100_000 });
    private readonly IServiceScopeFactory _scopes;
    private readonly string _defaultPlan;
    private readonly ILogger _logger;

    /// <summary>Creates the source; each lookup runs in its own scope.</summary>
    public OrganizationPlanSource(IServiceScopeFactory scopes, IOptions<RateLimitOptions> options, ILogger<OrganizationPlanSource>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        ArgumentNullException.ThrowIfNull(options);
        _scopes = scopes;
        _defaultPlan = options.Value.DefaultPlan;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public async ValueTask<string> GetPlanAsync(Guid organizationId, CancellationToken cancellationToken = default)
    {
        if (_plans.TryGetValue(organizationId, out string? cached) && cached is not null)
        {
            return cached;
        }

        string plan;
        var lifetime = CacheDuration;
        try
        {
            await using var scope = _scopes.CreateAsyncScope();
            // Read as the organization itself, so row-level security (should organizations get it) lets the row through.
            scope.ServiceProvider.GetRequiredService<TenantContext>().Set(organizationId, null);
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            plan = await db.Organizations.AsNoTracking()
                .Where(o => o.Id == organizationId)
                .Select(o => o.Plan)
                .FirstOrDefaultAsync(cancellationToken) ?? _defaultPlan;
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The plan only tunes a limit: a database hiccup should not fail the request here.
            _logger.PlanLookupFailed(organizationId, _defaultPlan, error);
            plan = _defaultPlan;
            lifetime = FailureCacheDuration;
        }

        _plans.Set(organizationId, plan, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = lifetime });
        return plan;
    }

    /// <inheritdoc />
    public void Dispose() => _plans.Dispose();
}
