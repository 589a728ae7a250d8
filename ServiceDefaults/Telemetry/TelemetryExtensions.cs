using System.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ServiceDefaults.Telemetry;

/// <summary>
/// OpenTelemetry logs, traces and metrics over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// The hosting and instrumentation packages are not available here, so the providers are built
/// with the core SDK and subscribe directly to the sources and meters .NET, ASP.NET Core,
/// HttpClient and Npgsql emit natively (the same names the instrumentation packages add).
/// </summary>
public static class TelemetryExtensions
{
    /// <summary>Native ActivitySources: ASP.NET Core server spans, HttpClient client spans, Npgsql commands.</summary>
    public static readonly IReadOnlyList<string> NativeSources = ["Microsoft.AspNetCore", "System.Net.Http", "Npgsql"];

    /// <summary>Native meters (see shared/reference/aspire-conventions.md §2.3).</summary>
    public static readonly IReadOnlyList<string> NativeMeters =
    [
        "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Diagnostics", "Microsoft.AspNetCore.RateLimiting", "Microsoft.AspNetCore.Authentication",
        "Microsoft.AspNetCore.Authorization", "Microsoft.AspNetCore.Components", "System.Net.Http",
        "System.Net.NameResolution", "System.Runtime", "Npgsql",
    ];

    /// <summary>Our own sources and meters are named "Platform.*" and the service's application name.</summary>
    public const string PlatformSourcePrefix = "Platform.*";

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var endpoint = builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return builder;
        }

        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] ?? builder.Environment.ApplicationName;
        var resource = ResourceBuilder.CreateDefault().AddService(serviceName);

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.SetResourceBuilder(resource);
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
            logging.AddOtlpExporter();
        });

        var tracing = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource([.. NativeSources, PlatformSourcePrefix, builder.Environment.ApplicationName])
            .AddProcessor(new HealthProbeSpanFilter())
            .AddOtlpExporter()
            .Build();

        var metrics = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter([.. NativeMeters, PlatformSourcePrefix, builder.Environment.ApplicationName])
            .AddOtlpExporter()
            .Build();

        builder.Services.AddHostedService(_ => new TelemetryProviderLifetime(tracing, metrics));
        builder.Services.AddTransient<IStartupFilter, ServerSpanEnrichment>();
        return builder;
    }

    /// <summary>Drops server spans for health probes, which would otherwise drown real traffic.</summary>
    private sealed class HealthProbeSpanFilter : BaseProcessor<Activity>
    {
        public override void OnEnd(Activity data)
        {
            var path = data.GetTagItem("url.path") as string ?? data.GetTagItem("http.target") as string;
            if (data.Kind == ActivityKind.Server && path is not null &&
                (path.StartsWith(Extensions.HealthEndpointPath, StringComparison.OrdinalIgnoreCase) ||
                 path.StartsWith(Extensions.AlivenessEndpointPath, StringComparison.OrdinalIgnoreCase)))
            {
                data.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
            }
        }
    }

    /// <summary>Flushes and disposes the providers when the host stops, so the last spans are exported.</summary>
    private sealed class TelemetryProviderLifetime(TracerProvider? tracing, MeterProvider? metrics) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken)
        {
            tracing?.ForceFlush(2000);
            metrics?.ForceFlush(2000);
            tracing?.Dispose();
            metrics?.Dispose();
            return Task.CompletedTask;
        }
    }
}
