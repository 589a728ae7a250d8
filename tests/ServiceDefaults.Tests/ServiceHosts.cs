using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ServiceDefaults.Tests;

/// <summary>A service's generic host with <c>AddServiceDefaults</c> applied, configured in memory.</summary>
internal static class ServiceHosts
{
    public static IHost Build(IDictionary<string, string?> settings, string environment = "Development")
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = environment });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddServiceDefaults();
        return builder.Build();
    }

    /// <summary>The client a service gets from IHttpClientFactory without naming one.</summary>
    public static HttpClient DefaultClient(this IHost host) =>
        host.Services.GetRequiredService<IHttpClientFactory>().CreateClient();
}
