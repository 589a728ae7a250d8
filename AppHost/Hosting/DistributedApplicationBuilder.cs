using System.Globalization;
using System.Reflection;
using AppHost.Hosting.Resources;
using Microsoft.Extensions.Configuration;

namespace AppHost.Hosting;

/// <summary>
/// Describes the distributed application with Aspire's verbs. Configuration comes from
/// environment variables and the command line (<c>--Ports:api=6081</c>,
/// <c>--AppHost:DataDirectory=/path</c>, <c>--publisher manifest --output-path file</c>).
/// </summary>
public sealed class DistributedApplicationBuilder
{
    private static readonly Dictionary<string, string> SwitchMappings = new()
    {
        ["--publisher"] = "Publishing:Publisher",
        ["--output-path"] = "Publishing:OutputPath",
    };

    internal DistributedApplicationBuilder(string[] args)
    {
        Configuration = new ConfigurationManager();
        Configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true);
        Configuration.AddEnvironmentVariables();
        Configuration.AddCommandLine(args, SwitchMappings);

        var publisher = Configuration["Publishing:Publisher"];
        if (publisher is not null && publisher != "manifest")
        {
            throw new ArgumentException($"Unknown publisher '{publisher}'. The only publisher is 'manifest': --publisher manifest --output-path aspire-manifest.json");
        }

        var manifestPath = publisher is null ? null : Path.GetFullPath(Configuration["Publishing:OutputPath"] ?? "aspire-manifest.json");
        ExecutionContext = new DistributedApplicationExecutionContext(manifestPath);
        EnvironmentName = Configuration["DOTNET_ENVIRONMENT"] ?? Configuration["ASPNETCORE_ENVIRONMENT"] ?? "Development";
    }

    public ConfigurationManager Configuration { get; }

    public DistributedApplicationExecutionContext ExecutionContext { get; }

    public string EnvironmentName { get; }

    /// <summary>The AppHost project's folder, recorded at build time.</summary>
    public static string AppHostDirectory { get; } =
        typeof(DistributedApplicationBuilder).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .First(a => a.Key == "AppHostProjectDirectory").Value!;

    /// <summary>Where local PostgreSQL and Redis keep their data: <c>.data/</c> beside the AppHost folder unless configured.</summary>
    public string DataDirectory => Path.GetFullPath(Configuration["AppHost:DataDirectory"] ?? Path.Combine(AppHostDirectory, "..", ".data"));

    internal List<Resource> Resources { get; } = [];

    public ResourceBuilder<PostgresServerResource> AddPostgres(string name, int port) =>
        Add(new PostgresServerResource(name, PortFor(name, port)));

    public ResourceBuilder<RedisResource> AddRedis(string name, int port) =>
        Add(new RedisResource(name, PortFor(name, port)));

    public ResourceBuilder<ProjectResource> AddProject<TProject>(string name, int port)
        where TProject : IProjectMetadata, new() =>
        Add(new ProjectResource(name, new TProject(), PortFor(name, port)));

    /// <summary>A one-shot step that applies the platform's SQL migrations to <paramref name="database"/>.</summary>
    public ResourceBuilder<MigrationsResource> AddMigrations(string name, ResourceBuilder<PostgresDatabaseResource> database)
    {
        ArgumentNullException.ThrowIfNull(database);
        var migrations = Add(new MigrationsResource(name, database.Resource));
        migrations.Resource.WaitsFor.Add(database.Resource);
        return migrations;
    }

    /// <summary>A one-shot step that fetches (once) and verifies the ONNX Runtime native library.</summary>
    public ResourceBuilder<OnnxRuntimeResource> AddOnnxRuntime(string name) => Add(new OnnxRuntimeResource(name));

    internal ResourceBuilder<T> Add<T>(T resource)
        where T : Resource
    {
        if (Resources.Any(r => r.Name == resource.Name))
        {
            throw new ArgumentException($"A resource named '{resource.Name}' already exists.", nameof(resource));
        }

        Resources.Add(resource);
        return new ResourceBuilder<T>(this, resource);
    }

    public DistributedApplication Build() => new(this);

    /// <summary>The default port unless <c>Ports:{name}</c> overrides it.</summary>
    private int PortFor(string name, int defaultPort)
    {
        var configured = Configuration[$"Ports:{name}"];
        if (configured is null)
        {
            return defaultPort;
        }

        return int.TryParse(configured, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? port
            : throw new ArgumentException($"Ports:{name} must be a port number between 1 and 65535, not '{configured}'.");
    }
}

/// <summary>Builder verbs for child resources.</summary>
public static class PostgresBuilderExtensions
{
    /// <summary>A database on the server, created at start with an owner and an application role.</summary>
    public static ResourceBuilder<PostgresDatabaseResource> AddDatabase(this ResourceBuilder<PostgresServerResource> server, string name, string? databaseName = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        var database = new PostgresDatabaseResource(name, server.Resource, databaseName ?? name);
        database.WaitsFor.Add(server.Resource);
        server.Resource.Databases.Add(database);
        return server.ApplicationBuilder.Add(database);
    }
}
