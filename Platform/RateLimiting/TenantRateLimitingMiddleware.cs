using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Tenancy;

namespace Platform.RateLimiting;

/// <summary>
/// Counts each request against its budget: the endpoint's named policy per client address, else the
/// organization's plan, else the anonymous policy per client address. Adds the RateLimit-* headers
/// (draft-ietf-httpapi-ratelimit-headers) to every counted response and answers 429 with Retry-After and
/// a problem body when the budget is spent. Runs after tenant resolution (it needs the organization) and
/// after routing (it reads endpoint metadata).
/// </summary>
internal sealed class TenantRateLimitingMiddleware(
    RequestDelegate next,
    RedisRateLimiter limiter,
    IOrganizationPlanSource plans,
    IOptions<RateLimitOptions> options,
    ILogger<TenantRateLimitingMiddleware> logger)
{
    internal const string OrganizationPolicy = "organization";
    internal const string AnonymousPolicy = "anonymous";
    internal const string ProblemType = "https://errors.platform.local/rate_limited";

    private readonly RateLimitOptions _options = options.Value;

    public async Task InvokeAsync(HttpContext context)
    {
        if (!_options.Enabled || IsExempt(context))
        {
            await next(context);
            return;
        }

        var tenant = context.RequestServices.GetService<TenantContext>();
        var (policyName, policy, kind, subject) = await SelectAsync(context, tenant);
        var decision = await limiter.AcquireAsync(policyName, policy, subject, context.RequestAborted);

        if (decision.Store != RateLimitStore.None)
        {
            // On starting, not now: an exception handler further in clears headers before writing its 500.
            context.Response.OnStarting(static state =>
            {
                var (response, decision, policy) = ((HttpResponse, RateLimitDecision, RateLimitPolicy))state;
                response.Headers["RateLimit-Limit"] = decision.Limit.ToString(CultureInfo.InvariantCulture);
                response.Headers["RateLimit-Remaining"] = decision.Remaining.ToString(CultureInfo.InvariantCulture);
                response.Headers["RateLimit-Reset"] = Seconds(decision.ResetAfter).ToString(CultureInfo.InvariantCulture);
                response.Headers["RateLimit-Policy"] = policy.HeaderValue;
                return Task.CompletedTask;
            }, (context.Response, decision, policy));
        }

        if (decision.IsAllowed)
        {
            await next(context);
            return;
        }

        var rejection = new RateLimitRejection(
            policyName, kind, subject, tenant?.TenantId, tenant?.UserId, context.Connection.RemoteIpAddress,
            policy.Limit, policy.Window, decision.RetryAfter, decision.Store);
        await RejectAsync(context, rejection);
    }

    /// <summary>
    /// The client address as the connection reports it. X-Forwarded-For is deliberately not read here:
    /// trusting it is the host's decision (ForwardedHeadersMiddleware with known proxies), otherwise any
    /// client could pick a fresh address per request. IPv6 clients are grouped by /64, the block one
    /// subscriber usually holds, so rotating addresses within it does not multiply the budget.
    /// </summary>
    internal static string ClientSubject(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    private bool IsExempt(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<DisableRateLimitingAttribute>() is not null)
        {
            return true;
        }

        foreach (var path in _options.ExemptPaths)
        {
            if (context.Request.Path.StartsWithSegments(path, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private async ValueTask<(string Name, RateLimitPolicy Policy, RateLimitSubjectKind Kind, string Subject)> SelectAsync(HttpContext context, TenantContext? tenant)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<RateLimitPolicyAttribute>() is { } named)
        {
            var policy = _options.Policies.TryGetValue(named.PolicyName, out var found)
                ? found
                : throw new InvalidOperationException(
                    $"The endpoint '{context.GetEndpoint()?.DisplayName}' asks for rate-limit policy '{named.PolicyName}', which is not configured under {RateLimitOptions.SectionName}:Policies.");
            return (named.PolicyName.ToLowerInvariant(), policy, RateLimitSubjectKind.ClientAddress, ClientSubject(context.Connection.RemoteIpAddress));
        }

        if (tenant?.TenantId is { } tenantId)
        {
            var plan = await plans.GetPlanAsync(tenantId, context.RequestAborted);
            var policy = _options.Plans.TryGetValue(plan, out var found) ? found : _options.Plans[_options.DefaultPlan];

            // The key does not name the plan: after an upgrade the organization keeps its spent budget,
            // which GCRA then pays back at the new plan's rate.
            return (OrganizationPolicy, policy, RateLimitSubjectKind.Organization, tenantId.ToString("N"));
        }

        return (AnonymousPolicy, _options.Anonymous, RateLimitSubjectKind.ClientAddress, ClientSubject(context.Connection.RemoteIpAddress));
    }

    private async Task RejectAsync(HttpContext context, RateLimitRejection rejection)
    {
        var retryAfter = Math.Max(1, Seconds(rejection.RetryAfter));
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.Rejected(rejection.Policy, rejection.SubjectKind, rejection.Subject, context.Request.Path, retryAfter);
        }

        foreach (var observer in context.RequestServices.GetServices<IRateLimitRejectionObserver>())
        {
            try
            {
                await observer.OnRejectedAsync(context, rejection);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                // Recording the event is secondary; the client still gets its 429.
                logger.ObserverFailed(rejection.Policy, error);
            }
        }

        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        var whose = rejection.SubjectKind == RateLimitSubjectKind.Organization ? "this organization" : "this client address";

        // ProblemHttpResult writes through IProblemDetailsService when one is registered (so the Api's
        // customizations, e.g. traceId, apply) and as plain application/problem+json otherwise.
        await TypedResults.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many requests",
            detail: string.Create(
                CultureInfo.InvariantCulture,
                $"The limit of {rejection.Limit} requests per {Math.Ceiling(rejection.Window.TotalSeconds)} s for {whose} is used up; retry in {retryAfter} s."),
            type: ProblemType,
            extensions: new Dictionary<string, object?> { ["code"] = "rate_limited", ["retryAfter"] = retryAfter })
            .ExecuteAsync(context);
    }

    /// <summary>Whole seconds, rounded up: a client that waits this long is never early.</summary>
    private static long Seconds(TimeSpan duration) => (long)Math.Ceiling(Math.Max(0, duration.TotalSeconds));
}
