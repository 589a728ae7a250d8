using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Platform.Hosting;

namespace Platform.Data;

/// <summary>Registers the platform database for a service.</summary>
public static class DatabaseExtensions
{
    /// <summary>The connection name the AppHost uses for the platform's database.</summary>
    public const string ConnectionName = "platformdb";

    /// <summary>
    /// One pooled <see cref="NpgsqlDataSource"/> from <c>ConnectionStrings:platformdb</c> (the
    /// least-privilege application role) and a readiness check named <c>postgres</c>.
    /// </summary>
    public static TBuilder AddPlatformDatabase<TBuilder>(this TBuilder builder, string connectionName = ConnectionName)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var connectionString = builder.Configuration.GetRequiredConnectionString(connectionName);
        var dataSourceBuilder = new NpgsqlDataSourceBuilder(connectionString) { Name = connectionName };
        builder.Services.AddSingleton(_ => dataSourceBuilder.Build());
        builder.Services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgres");
        return builder;
    }
}
