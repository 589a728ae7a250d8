namespace AppHost.Hosting.Resources;

/// <summary>Where a resource is in its life.</summary>
public enum ResourceState
{
    Waiting,
    Starting,
    Running,
    Completed,
    Failed,
    Stopping,
    Stopped,
}

/// <summary>
/// A node of the distributed application: something the AppHost provisions or starts in run mode
/// and describes in the manifest in publish mode.
/// </summary>
public abstract class Resource(string name)
{
    public string Name { get; } = ValidateName(name);

    /// <summary>Resources that must be running and healthy before this one starts.</summary>
    public List<Resource> WaitsFor { get; } = [];

    /// <summary>Resources that must have run to completion (e.g. migrations) before this one starts.</summary>
    public List<Resource> WaitsForCompletion { get; } = [];

    public ResourceState State { get; internal set; } = ResourceState.Waiting;

    /// <summary>What a person can open or connect to, shown in the status table.</summary>
    public virtual string Endpoint => string.Empty;

    /// <summary>A child process the resource runs, if any, watched for early exit.</summary>
    internal virtual Processes.ChildProcess? Process => null;

    /// <summary>Starts the resource and returns when it is ready (or, for a one-shot resource, done).</summary>
    internal abstract Task StartAsync(RunContext context, CancellationToken cancellationToken);

    internal virtual Task StopAsync() => Task.CompletedTask;

    /// <summary>Writes this resource's manifest entries.</summary>
    internal abstract void WriteManifest(Manifest.ManifestBuilder manifest);

    private static string ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z][a-z0-9-]*$"))
        {
            throw new ArgumentException($"Resource name '{name}' must be kebab-case: lower-case letters, digits and '-', starting with a letter.", nameof(name));
        }

        return name;
    }
}

/// <summary>A resource others reference by connection string (<c>ConnectionStrings__{name}</c>).</summary>
public interface IResourceWithConnectionString
{
    string Name { get; }

    /// <summary>The run-mode connection string, known once the resource is provisioned.</summary>
    string ConnectionString { get; }

    /// <summary>Aspire 13's extra variables: <c>{NAME}_HOST</c>, <c>_PORT</c>, <c>_PASSWORD</c>, <c>_URI</c>...</summary>
    IReadOnlyDictionary<string, string> ConnectionProperties { get; }
}

/// <summary>A resource that serves HTTP on an endpoint others can discover (<c>services__{name}__http__0</c>).</summary>
public interface IResourceWithHttpEndpoint
{
    string Name { get; }

    int Port { get; }

    string Url { get; }
}
