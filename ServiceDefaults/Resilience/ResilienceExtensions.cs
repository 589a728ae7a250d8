using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Polly;

namespace ServiceDefaults.Resilience;

/// <summary>Adds the platform's standard resilience to an HttpClient.</summary>
public static class ResilienceExtensions
{
    public const string ConfigurationSection = "HttpResilience";

    public static IHttpClientBuilder AddStandardResilienceHandler(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<HttpResilienceOptions>().BindConfiguration(ConfigurationSection);
        builder.Services.TryAddSingleton<HttpResiliencePipelines>();
        builder.AddHttpMessageHandler(sp => new ResilienceHandler(sp.GetRequiredService<HttpResiliencePipelines>()));
        return builder;
    }

    /// <summary>
    /// Runs each request through its destination's pipeline. Only requests that are safe to send
    /// twice are retried (idempotent methods, body buffered so it can be read again); the others
    /// still get the timeouts and the circuit breaker.
    /// </summary>
    private sealed class ResilienceHandler(HttpResiliencePipelines pipelines) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri is not { IsAbsoluteUri: true } uri)
            {
                return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }

            var canRetry = CanResend(request);
            if (canRetry && request.Content is not null)
            {
                await request.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            }

            var pipeline = pipelines.For(uri, canRetry);
            return await pipeline.ExecuteAsync(
                static async (state, token) => await state.Handler.BaseSend(state.Request, token).ConfigureAwait(false),
                (Handler: this, Request: request),
                cancellationToken).ConfigureAwait(false);
        }

        private Task<HttpResponseMessage> BaseSend(HttpRequestMessage request, CancellationToken cancellationToken) =>
            base.SendAsync(request, cancellationToken);

        private static bool CanResend(HttpRequestMessage request) =>
            request.Method == HttpMethod.Get || request.Method == HttpMethod.Head || request.Method == HttpMethod.Options ||
            request.Method == HttpMethod.Put || request.Method == HttpMethod.Delete;
    }
}
