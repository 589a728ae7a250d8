using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ServiceDefaults.Discovery;

/// <summary>Registers logical-name resolution for HttpClients (<c>http://api</c>).</summary>
public static class ServiceDiscoveryExtensions
{
    public static IServiceCollection AddServiceDiscovery(this IServiceCollection services)
    {
        services.TryAddSingleton<ServiceEndpointResolver>();
        return services;
    }

    public static IHttpClientBuilder AddServiceDiscovery(this IHttpClientBuilder builder)
    {
        builder.Services.AddServiceDiscovery();
        builder.AddHttpMessageHandler(sp => new ServiceDiscoveryHandler(sp.GetRequiredService<ServiceEndpointResolver>()));
        return builder;
    }

    /// <summary>Rewrites each request's logical URI to a concrete endpoint just before it is sent.</summary>
    private sealed class ServiceDiscoveryHandler(ServiceEndpointResolver resolver) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri is not { } logical)
            {
                return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }

            request.RequestUri = resolver.Resolve(logical);
            try
            {
                return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                // The resilience handler resends this same message: restoring the logical URI makes
                // each retry resolve again, so it can reach another replica (as Aspire's handler does).
                request.RequestUri = logical;
            }
        }
    }
}
