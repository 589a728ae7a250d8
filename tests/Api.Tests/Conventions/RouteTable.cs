using Api.Extensions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Api.Tests.Conventions;

/// <summary>The Api's endpoints as the router knows them, for tests that must cover every one.</summary>
internal static class RouteTable
{
    public sealed record Route(string Method, string Pattern, string? Permission, bool SelfService, bool Anonymous, bool AcceptsBody);

    public static IReadOnlyList<Route> Of(ApiFactory api) =>
        api.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["ANY"]).Select(method => new Route(
                method,
                e.RoutePattern.RawText!,
                e.Metadata.GetOrderedMetadata<PermissionRequirementMetadata>() is { Count: > 0 } p ? p[^1].Name : null,
                e.Metadata.GetMetadata<SelfService>() is not null,
                e.Metadata.GetMetadata<IAllowAnonymous>() is not null,
                e.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>() is not null)))
            .OrderBy(r => r.Pattern, StringComparer.Ordinal).ThenBy(r => r.Method, StringComparer.Ordinal)
            .ToList();
}
