using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ServiceDefaults.Configuration.KeyVault;

/// <summary>
/// Configuration is built before logging exists; once the host starts, this hands the host's
/// logger to the Key Vault providers so failed reloads show up in the service's logs.
/// </summary>
internal sealed class KeyVaultReloadLogging(IConfiguration configuration, ILoggerFactory loggerFactory) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (configuration is IConfigurationRoot root)
        {
            var logger = loggerFactory.CreateLogger<KeyVaultConfigurationProvider>();
            foreach (var provider in root.Providers.OfType<KeyVaultConfigurationProvider>())
            {
                provider.UseLogger(logger);
            }
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
