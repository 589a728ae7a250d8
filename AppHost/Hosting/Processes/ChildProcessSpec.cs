namespace AppHost.Hosting.Processes;

/// <summary>What to start as a child of the AppHost, and how to stop it.</summary>
/// <param name="Name">Resource name, used as the output prefix.</param>
/// <param name="FileName">Executable to run.</param>
/// <param name="Arguments">Arguments, passed without shell interpretation.</param>
public sealed record ChildProcessSpec(string Name, string FileName, IReadOnlyList<string> Arguments)
{
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    public string? WorkingDirectory { get; init; }

    /// <summary>Run as this OS user (PostgreSQL refuses to run as root).</summary>
    public string? RunAsUser { get; init; }

    /// <summary>The signal that asks this program to shut down gracefully; also sent if the AppHost dies.</summary>
    public int StopSignal { get; init; } = NativeSignals.SigTerm;
}
