using System.Runtime.InteropServices;

namespace AppHost.Hosting.Processes;

/// <summary>POSIX signals sent to children; .NET's Process.Kill only knows SIGKILL.</summary>
internal static partial class NativeSignals
{
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    public static bool Send(int pid, int signal) => Kill(pid, signal) == 0;

    public static bool IsRoot => OperatingSystem.IsLinux() && GetEffectiveUserId() == 0;

    public static string Name(int signal) => signal switch
    {
        SigInt => "INT",
        SigKill => "KILL",
        _ => "TERM",
    };
}
