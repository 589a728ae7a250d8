namespace AppHost.Hosting;

/// <summary>Whether the AppHost runs the application or publishes its manifest (as Aspire's <c>ExecutionContext</c>).</summary>
public sealed class DistributedApplicationExecutionContext(string? manifestPath)
{
    /// <summary>Where <c>--publisher manifest --output-path</c> asked for the manifest; null in run mode.</summary>
    public string? ManifestPath { get; } = manifestPath;

    public bool IsPublishMode => ManifestPath is not null;

    public bool IsRunMode => !IsPublishMode;
}
