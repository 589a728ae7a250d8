namespace AppHost.Hosting.Provisioning;

/// <summary>A resource failed to start or stopped early; carries its last output lines for the report.</summary>
public sealed class ResourceFailedException(string resourceName, string reason, IReadOnlyList<string> recentOutput)
    : Exception($"{resourceName}: {reason}")
{
    public string ResourceName { get; } = resourceName;

    public string Reason { get; } = reason;

    public IReadOnlyList<string> RecentOutput { get; } = recentOutput;
}
