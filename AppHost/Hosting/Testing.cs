using System.Reflection;

namespace AppHost.Hosting;

/// <summary>
/// Boots the AppHost's own graph from a test, the way Aspire's testing builder does: it runs the
/// AppHost's entry point with the given arguments, and takes the built application at
/// <see cref="DistributedApplication.RunAsync"/> instead of letting it run, so the test decides
/// when to start and stop it.
/// </summary>
public static class DistributedApplicationTestingBuilder
{
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);
    private static TaskCompletionSource<DistributedApplication>? _pending;

    public static async Task<DistributedApplication> BuildAsync(Assembly appHostAssembly, string[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appHostAssembly);
        var entryPoint = appHostAssembly.EntryPoint ?? throw new ArgumentException($"{appHostAssembly.GetName().Name} has no entry point.", nameof(appHostAssembly));
        await OneAtATime.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var built = new TaskCompletionSource<DistributedApplication>(TaskCreationOptions.RunContinuationsAsynchronously);
            _pending = built;
            var result = entryPoint.Invoke(null, entryPoint.GetParameters().Length == 0 ? [] : [args]);
            if (result is Task task)
            {
                await task.ConfigureAwait(false);
            }

            return built.Task.IsCompleted
                ? await built.Task.ConfigureAwait(false)
                : throw new InvalidOperationException("The AppHost's entry point returned without running a DistributedApplication.");
        }
        finally
        {
            _pending = null;
            OneAtATime.Release();
        }
    }

    internal static bool TryHandOver(DistributedApplication application)
    {
        var pending = Interlocked.Exchange(ref _pending, null);
        return pending is not null && pending.TrySetResult(application);
    }
}
