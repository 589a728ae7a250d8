using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Hosting;

namespace Platform.Data;

/// <summary>Applies the platform's migrations and reference data when the host starts, if <see cref="MigrationsOptions.ApplyOnStart"/> is set.</summary>
public sealed class MigrationsOnStartup(IOptions<MigrationsOptions> options, IConfiguration configuration, ILoggerFactory loggers) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.ApplyOnStart)
        {
            return;
        }

        var connectionString = configuration.GetRequiredConnectionString(options.Value.ConnectionName);
        await SchemaUpdater.UpdateAsync(connectionString, loggers, cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Registration of <see cref="MigrationsOnStartup"/>.</summary>
public static class MigrationsOnStartupExtensions
{
    public static TBuilder AddMigrationsOnStart<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<MigrationsOptions>().BindConfiguration(MigrationsOptions.SectionName);
        builder.Services.AddHostedService<MigrationsOnStartup>();
        return builder;
    }
}
