using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using ServiceDefaults.Configuration;
using ServiceDefaults.Configuration.KeyVault;
using ServiceDefaults.Discovery;
using ServiceDefaults.Health;
using ServiceDefaults.Resilience;
using ServiceDefaults.Telemetry;

// Aspire's convention: the defaults live in this namespace so services need no using.
namespace Microsoft.Extensions.Hosting;

/// <summary>What every service of the platform gets with one call.</summary>
public static class Extensions
{
    public const string HealthEndpointPath = "/health";
    public const string AlivenessEndpointPath = "/alive";

    /// <summary>
    /// Key Vault secrets (when <c>AZURE_KEY_VAULT_ENDPOINT</c> is set), configuration checks,
    /// OpenTelemetry, health checks, and resilient, service-discovering HttpClients. Throws
    /// <see cref="InvalidConfigurationException"/> at once when a non-Development service holds a
    /// placeholder secret, and <see cref="KeyVaultConfigurationException"/> when its vault cannot be read.
    /// </summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder => builder.AddServiceDefaults(configureKeyVault: null);

    /// <inheritdoc cref="AddServiceDefaults{TBuilder}(TBuilder)"/>
    /// <param name="builder">The service's builder.</param>
    /// <param name="configureKeyVault">Adjusts how the vault is read (credential, client options, reload interval).</param>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder, Action<KeyVaultSecretsOptions>? configureKeyVault)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        // Vault values first, so they replace the placeholders the guard below refuses.
        builder.AddKeyVaultSecrets(configureKeyVault);
        PlaceholderSecretGuard.ThrowIfPlaceholders(builder.Configuration, builder.Environment);
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            // Resilience wraps discovery, as in Aspire: each retry resolves the endpoint again.
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });
        return builder;
    }

    /// <summary><c>/health</c> (ready: every dependency) and <c>/alive</c> (live: the process answers).</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthEndpoints(HealthEndpointPath, AlivenessEndpointPath);
        return app;
    }
}
