using System.Collections.Concurrent;
using System.Diagnostics;

namespace AppHost.Hosting.Processes;

/// <summary>
/// Starts every child from one thread that lives as long as the AppHost. Linux delivers the
/// parent-death signal when the <em>thread</em> that forked a child exits, so forking from a
/// pool thread that later retires would kill healthy children.
/// </summary>
internal static class ProcessLauncherThread
{
    private static readonly BlockingCollection<(Process Process, TaskCompletionSource Started)> Requests = new();

    static ProcessLauncherThread()
    {
        var thread = new Thread(Run) { IsBackground = true, Name = "child-process-launcher" };
        thread.Start();
    }

    public static void Start(Process process)
    {
        var started = new TaskCompletionSource();
        Requests.Add((process, started));
        started.Task.GetAwaiter().GetResult();
    }

    private static void Run()
    {
        foreach (var (process, started) in Requests.GetConsumingEnumerable())
        {
            try
            {
                process.Start();
                started.SetResult();
            }
            catch (Exception ex)
            {
                started.SetException(ex);
            }
        }
    }
}
