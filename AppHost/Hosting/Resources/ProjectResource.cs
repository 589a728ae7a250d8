using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using AppHost.Hosting.Manifest;
using AppHost.Hosting.Processes;
using AppHost.Hosting.Provisioning;

namespace AppHost.Hosting.Resources;

/// <summary>What the build tells the AppHost about a service project (generated into <c>Projects.*</c>).</summary>
public interface IProjectMetadata
{
    /// <summary>Absolute path of the .csproj.</summary>
    string ProjectPath { get; }

    /// <summary>Absolute path of the built assembly that <c>dotnet</c> runs.</summary>
    string TargetPath { get; }
}

/// <summary>
/// A .NET service run from its build output with the environment Aspire would give it, bound
/// to 127.0.0.1 on its port, and called healthy once its health endpoint answers 200.
/// </summary>
public sealed class ProjectResource(string name, IProjectMetadata metadata, int port) : Resource(name), IResourceWithHttpEndpoint
{
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(5) };
    private ChildProcess? _process;

    public IProjectMetadata Metadata { get; } = metadata;

    public int Port { get; } = port;

    public string Url => $"http://127.0.0.1:{Port}";

    public override string Endpoint => Url;

    public bool IsExternal { get; internal set; }

    public string HealthCheckPath { get; internal set; } = "/health";

    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromSeconds(90);

    public List<IResourceWithConnectionString> ConnectionReferences { get; } = [];

    public List<ProjectResource> ServiceReferences { get; } = [];

    /// <summary>Literal variables set with WithEnvironment.</summary>
    public Dictionary<string, string> Environment { get; } = [];

    /// <summary>Variables whose values the operator gives azd (manifest only): variable name → parameter name.</summary>
    public Dictionary<string, string> DeploymentParameters { get; } = [];

    /// <summary>Variables known only in run mode, once their source is provisioned (secrets, provisioned paths).</summary>
    internal List<Func<RunContext, KeyValuePair<string, string>>> RunModeEnvironment { get; } = [];

    internal override ChildProcess? Process => _process;

    /// <summary>The run-mode environment, following Aspire's conventions (shared/reference/aspire-conventions.md §1).</summary>
    internal Dictionary<string, string?> BuildEnvironment(RunContext context)
    {
        var env = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = Url,
            ["ASPNETCORE_ENVIRONMENT"] = context.EnvironmentName,
            ["DOTNET_ENVIRONMENT"] = context.EnvironmentName,
            ["DOTNET_LAUNCH_PROFILE"] = "http",
            ["OTEL_SERVICE_NAME"] = Name,
            ["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={Guid.NewGuid():N}",
            ["OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY"] = "in_memory",
            // Colours survive the pipe only when a person is watching a terminal, not in CI logs.
            ["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = Console.IsOutputRedirected ? null : "true",
            ["LOGGING__CONSOLE__FORMATTERNAME"] = "simple",
            // Children must not inherit the AppHost's own launch settings or URLs.
            ["ASPNETCORE_HTTP_PORTS"] = null,
            ["ASPNETCORE_HTTPS_PORTS"] = null,
        };

        if (context.OtlpEndpoint is { } otlp)
        {
            env["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp;
            env["OTEL_EXPORTER_OTLP_PROTOCOL"] = context.Configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] ?? "grpc";
            if (context.EnvironmentName == "Development")
            {
                env["OTEL_BLRP_SCHEDULE_DELAY"] = "1000";
                env["OTEL_BSP_SCHEDULE_DELAY"] = "1000";
                env["OTEL_METRIC_EXPORT_INTERVAL"] = "1000";
                env["OTEL_TRACES_SAMPLER"] = "always_on";
                env["OTEL_METRICS_EXEMPLAR_FILTER"] = "trace_based";
            }
        }

        foreach (var source in ConnectionReferences)
        {
            env[$"ConnectionStrings__{source.Name}"] = source.ConnectionString;
            foreach (var (key, value) in source.ConnectionProperties)
            {
                env[key] = value;
            }
        }

        foreach (var service in ServiceReferences)
        {
            env[$"services__{service.Name}__http__0"] = service.Url;
            env[$"{service.Name.ToUpperInvariant().Replace('-', '_')}_HTTP"] = service.Url;
        }

        foreach (var (key, value) in Environment)
        {
            env[key] = value;
        }

        foreach (var variable in RunModeEnvironment)
        {
            var (key, value) = variable(context);
            env[key] = value;
        }

        return env;
    }

    internal override async Task StartAsync(RunContext context, CancellationToken cancellationToken)
    {
        if (!File.Exists(Metadata.TargetPath))
        {
            throw new ResourceFailedException(Name, $"{Metadata.TargetPath} does not exist. Build first: dotnet build {Metadata.ProjectPath}", []);
        }

        PortGuard.EnsureFree(Port, Name);
        var spec = new ChildProcessSpec(Name, "dotnet", [Metadata.TargetPath])
        {
            Environment = BuildEnvironment(context),
            // Like `dotnet run`: the content root (appsettings, wwwroot) is the project folder.
            WorkingDirectory = Path.GetDirectoryName(Metadata.ProjectPath),
        };
        _process = ChildProcess.Start(spec, context.Log.Child);
        await WaitUntilHealthyAsync(cancellationToken).ConfigureAwait(false);
    }

    internal override Task StopAsync() => _process?.StopAsync(TimeSpan.FromSeconds(15)) ?? Task.CompletedTask;

    internal override void WriteManifest(ManifestBuilder manifest)
    {
        var env = new JsonObject
        {
            ["OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY"] = "in_memory",
            ["ASPNETCORE_FORWARDEDHEADERS_ENABLED"] = "true",
            ["HTTP_PORTS"] = $"{{{Name}.bindings.http.targetPort}}",
        };
        foreach (var source in ConnectionReferences)
        {
            env[$"ConnectionStrings__{source.Name}"] = $"{{{source.Name}.connectionString}}";
        }

        foreach (var service in ServiceReferences)
        {
            env[$"services__{service.Name}__http__0"] = $"{{{service.Name}.bindings.http.url}}";
        }

        foreach (var (key, value) in Environment)
        {
            env[key] = value;
        }

        foreach (var (key, parameter) in DeploymentParameters)
        {
            manifest.AddInputParameter(parameter);
            env[key] = $"{{{parameter}.value}}";
        }

        var http = new JsonObject { ["scheme"] = "http", ["protocol"] = "tcp", ["transport"] = "http" };
        if (IsExternal)
        {
            http["external"] = true;
        }

        manifest.Add(Name, new JsonObject
        {
            ["type"] = "project.v0",
            ["path"] = manifest.RelativePath(Metadata.ProjectPath),
            ["env"] = env,
            ["bindings"] = new JsonObject { ["http"] = http },
        });
    }

    private async Task WaitUntilHealthyAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var healthUrl = new Uri(Url + HealthCheckPath);
        var lastProblem = "no answer yet";
        while (clock.Elapsed < StartupTimeout)
        {
            if (_process!.HasExited)
            {
                await _process.Exited.ConfigureAwait(false);
                throw new ResourceFailedException(Name, $"exited with code {_process.ExitCode} before it was healthy", _process.RecentOutput);
            }

            try
            {
                using var response = await Probe.GetAsync(healthUrl, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                lastProblem = $"{HealthCheckPath} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}";
            }
            catch (HttpRequestException ex)
            {
                lastProblem = ex.Message;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                lastProblem = $"{HealthCheckPath} did not answer within 5 s";
            }

            await Task.Delay(clock.Elapsed < TimeSpan.FromSeconds(5) ? 100 : 500, cancellationToken).ConfigureAwait(false);
        }

        throw new ResourceFailedException(Name,
            $"not healthy after {StartupTimeout.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s ({lastProblem})", _process!.RecentOutput);
    }
}
