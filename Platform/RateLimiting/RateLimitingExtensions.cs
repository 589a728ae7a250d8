using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Platform.RateLimiting;

/// <summary>Registers and places the per-organization rate limiter.</summary>
public static class RateLimitingExtensions
{
    /// <summary>
    /// Binds <see cref="RateLimitOptions"/> from the <c>RateLimiting</c> section (validated at start-up) and
    /// registers <see cref="RedisRateLimiter"/> and, unless one is already registered,
    /// <see cref="OrganizationPlanSource"/> as the <see cref="IOrganizationPlanSource"/>. Needs the Redis
    /// client (<c>AddRedisClient</c>) and, for the default plan source, the platform database.
    /// </summary>
    public static IHostApplicationBuilder AddTenantRateLimiting(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<RateLimitOptions>()
            .Bind(builder.Configuration.GetSection(RateLimitOptions.SectionName))
            .Validate(Validate, $"{RateLimitOptions.SectionName}: every policy needs Limit >= 1 and a Window of at least 1 s, DefaultPlan must be one of Plans, and RedisTimeout and RedisRetryInterval must be positive.")
            .ValidateOnStart();
        builder.Services.TryAddSingleton<RedisRateLimiter>();
        builder.Services.TryAddSingleton<IOrganizationPlanSource, OrganizationPlanSource>();
        return builder;
    }

    /// <summary>
    /// Adds the rate-limit middleware. Place it after authentication and tenant resolution (the
    /// organization decides the budget) and before the endpoints.
    /// </summary>
    public static IApplicationBuilder UseTenantRateLimiting(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        _ = app.ApplicationServices.GetRequiredService<IOptions<RateLimitOptions>>();
        return app.UseMiddleware<TenantRateLimitingMiddleware>();
    }

    /// <summary>
    /// Counts requests to these endpoints per client address under the named policy from
    /// <see cref="RateLimitOptions.Policies"/> (e.g. <c>auth</c> for sign-in, registration and password reset).
    /// To exempt an endpoint, use ASP.NET Core's <c>.DisableRateLimiting()</c>.
    /// </summary>
    public static TBuilder WithRateLimitPolicy<TBuilder>(this TBuilder builder, string policyName)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithMetadata(new RateLimitPolicyAttribute(policyName));
    }

    private static bool Validate(RateLimitOptions options) =>
        options.Plans.Values.Concat(options.Policies.Values).Append(options.Anonymous).All(p => p.Limit >= 1 && p.Window >= TimeSpan.FromSeconds(1))
        && options.Plans.ContainsKey(options.DefaultPlan)
        && options.RedisTimeout > TimeSpan.Zero
        && options.RedisRetryInterval > TimeSpan.Zero
        && !string.IsNullOrWhiteSpace(options.KeyPrefix);
}
