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

    /// <summary>Connections each service keeps at most, unless its connection string says otherwise.</summary>
    public const int DefaultMaxPoolSize = 16;

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

        // Prepared statements keep one generic plan. Left to choose, PostgreSQL re-plans our statements for every
        // execution (the row-level security predicates make the generic plan look dearer than it runs), and the
        // planning costs more than running them.
        var options = dataSourceBuilder.ConnectionStringBuilder.Options;
        if (options?.Contains("plan_cache_mode", StringComparison.Ordinal) != true)
        {
            dataSourceBuilder.ConnectionStringBuilder.Options = $"{options} -c plan_cache_mode=force_generic_plan".Trim();
        }

        // PostgreSQL does its best work with a few busy backends per core; past that, more connections only add
        // context switches (measured: 64 concurrent requests on 2 cores served ~20% faster from 16 connections than
        // from 64). Requests beyond the pool wait briefly for a connection. A connection string can still set its own.
        if (!System.Text.RegularExpressions.Regex.IsMatch(connectionString, @"max(imum)?\s*pool\s*size\s*=", System.Text.RegularExpressions.RegexOptions.IgnoreCase))
        {
            dataSourceBuilder.ConnectionStringBuilder.MaxPoolSize = DefaultMaxPoolSize;
        }

        // Returning a connection to the pool normally costs seven reset statements on its next use. Nothing in
        // the platform leaves session state behind: row-level security is keyed per transaction (TenantSession),
        // so the reset is skipped.
        dataSourceBuilder.ConnectionStringBuilder.NoResetOnClose = true;

        services.TryAddSingleton(_ => dataSourceBuilder.Build());
        services.TryAddScoped<TenantContext>();
        services.AddMemoryCache();
        services.AddOptions<TenancyOptions>().BindConfiguration(TenancyOptions.SectionName);
        services.TryAddSingleton<HostOrganizationResolver>();
        // Pooled: building a context (its options and internal services) costs more than most queries it runs.
        // Nothing in the options depends on the request; the tenant is attached per scope below.
        services.AddPooledDbContextFactory<PlatformDbContext>((provider, options) => options
            .UseNpgsql(provider.GetRequiredService<NpgsqlDataSource>())
            .AddInterceptors(TenantSessionInterceptor.Instance));
        // Replaces the plain scoped context EF registers alongside the factory.
        services.Replace(ServiceDescriptor.Scoped(provider =>
        {
            var context = provider.GetRequiredService<IDbContextFactory<PlatformDbContext>>().CreateDbContext();
            context.UseTenant(provider.GetRequiredService<TenantContext>());
            return context;
        }));
        return services;
    }
}
