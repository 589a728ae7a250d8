using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Platform.Hosting;
using Platform.Tenancy;

namespace Platform.Data;

/// <summary>Registers the platform database for a service.</summary>
public static class DatabaseExtensions
{
    /// <summary>The connection name the AppHost uses for the platform's database.</summary>
    public const string ConnectionName = "platformdb";

    /// <summary>
    /// One pooled <see cref="NpgsqlDataSource"/> from <c>ConnectionStrings:platformdb</c> (the
    /// least-privilege application role), the tenant-scoped <see cref="PlatformDbContext"/>, the
    /// request's <see cref="TenantContext"/>, and a readiness check named <c>postgres</c>.
    /// </summary>
    public static TBuilder AddPlatformDatabase<TBuilder>(this TBuilder builder, string connectionName = ConnectionName)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddPlatformDatabase(builder.Configuration.GetRequiredConnectionString(connectionName), connectionName);
        builder.Services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgres");
        return builder;
    }

    /// <summary>The same registrations from an explicit connection string (tests, tools).</summary>
    public static IServiceCollection AddPlatformDatabase(this IServiceCollection services, string connectionString, string name = ConnectionName)
    {
        ArgumentNullException.ThrowIfNull(services);
        var dataSourceBuilder = new NpgsqlDataSourceBuilder(connectionString) { Name = name };
        // Hot queries are prepared once per connection instead of parsed and planned on every request.
        if (dataSourceBuilder.ConnectionStringBuilder.MaxAutoPrepare == 0)
        {
            dataSourceBuilder.ConnectionStringBuilder.MaxAutoPrepare = 50;
            dataSourceBuilder.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
        }

        services.TryAddSingleton(_ => dataSourceBuilder.Build());
        services.TryAddScoped<TenantContext>();
        services.AddMemoryCache();
        services.AddOptions<TenancyOptions>().BindConfiguration(TenancyOptions.SectionName);
        services.TryAddSingleton<HostOrganizationResolver>();
        services.TryAddScoped<TenantConnectionInterceptor>();
        services.AddDbContext<PlatformDbContext>((provider, options) => options
            .UseNpgsql(provider.GetRequiredService<NpgsqlDataSource>())
            .AddInterceptors(provider.GetRequiredService<TenantConnectionInterceptor>()));
        return services;
    }
}
