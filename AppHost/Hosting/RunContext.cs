using Microsoft.Extensions.Configuration;

namespace AppHost.Hosting;

/// <summary>What resources need while they start in run mode.</summary>
internal sealed class RunContext(IConfiguration configuration, string dataDirectory, ParameterStore parameters, ConsoleLog log, string environmentName)
{
    public IConfiguration Configuration { get; } = configuration;

    /// <summary>The project-local folder that keeps PostgreSQL and Redis data between runs.</summary>
    public string DataDirectory { get; } = dataDirectory;

    public ParameterStore Parameters { get; } = parameters;

    public ConsoleLog Log { get; } = log;

    public string EnvironmentName { get; } = environmentName;

    /// <summary>The OTLP collector (dashboard) the services export to, if one is configured.</summary>
    public string? OtlpEndpoint =>
        Configuration["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] ?? Configuration["DOTNET_DASHBOARD_OTLP_ENDPOINT_URL"] ?? Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
}
