using System.Diagnostics;
using System.Runtime.InteropServices;
using AppHost.Hosting.Manifest;
using AppHost.Hosting.Provisioning;
using AppHost.Hosting.Resources;
using Platform.Data;

namespace AppHost.Hosting;

/// <summary>
/// The built application. <see cref="Run"/> either writes the manifest (publish mode) or starts
/// every resource in dependency order, prints a status table once all are healthy, streams their
/// output, and on Ctrl+C, SIGTERM or a child's early exit stops the services and then the databases.
/// </summary>
public sealed class DistributedApplication : IAsyncDisposable
{
    private readonly DistributedApplicationBuilder _builder;
    private readonly TaskCompletionSource<ResourceFailedException> _failure = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Resource> _started = [];
    private bool _stopping;

    internal DistributedApplication(DistributedApplicationBuilder builder)
    {
        _builder = builder;
        DetectCycles(builder.Resources);
    }

    /// <summary>Where output goes; tests replace it to capture lines.</summary>
    public ConsoleLog Log { get; set; } = ConsoleLog.ForConsole();

    public DistributedApplicationExecutionContext ExecutionContext => _builder.ExecutionContext;

    public IReadOnlyList<Resource> Resources => _builder.Resources;

    /// <summary>Time from <see cref="StartAsync"/> to every resource ready.</summary>
    public TimeSpan? StartupDuration { get; private set; }

    /// <summary>Completes when a running resource's process exits unexpectedly.</summary>
    public Task<ResourceFailedException> Failure => _failure.Task;

    public static DistributedApplicationBuilder CreateBuilder(string[] args) => new(args);

    public Resource GetResource(string name) => Resources.FirstOrDefault(r => r.Name == name) ?? throw new KeyNotFoundException($"No resource named '{name}'.");

    /// <summary>Process ids of every child the AppHost started (running or not).</summary>
    public IReadOnlyList<int> ChildProcessIds => [.. _started.Select(r => r.Process).OfType<Processes.ChildProcess>().Select(p => p.ProcessId)];

    public void Run() => Environment.ExitCode = RunAsync().GetAwaiter().GetResult();

    /// <summary>Runs until stopped; returns the process exit code (0 after a clean stop, 1 after a failure).</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        if (DistributedApplicationTestingBuilder.TryHandOver(this))
        {
            return 0;
        }

        if (ExecutionContext.IsPublishMode)
        {
            WriteManifest(ExecutionContext.ManifestPath!);
            Log.Info($"wrote the manifest to {ExecutionContext.ManifestPath}");
            return 0;
        }

        using var shutdown = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        void OnSignal(PosixSignalContext signal)
        {
            signal.Cancel = true;
            Log.Info($"{signal.Signal} received: stopping");
            shutdown.Cancel();
        }

        try
        {
            await StartAsync(shutdown.Token).ConfigureAwait(false);
            Log.Info("press Ctrl+C to stop");
            var stopped = Task.Delay(Timeout.Infinite, shutdown.Token);
            if (await Task.WhenAny(stopped, Failure).ConfigureAwait(false) == Failure)
            {
                ReportFailure(await Failure.ConfigureAwait(false));
                await StopAsync().ConfigureAwait(false);
                return 1;
            }

            await StopAsync().ConfigureAwait(false);
            return 0;
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            await StopAsync().ConfigureAwait(false);
            return 0;
        }
        catch (Exception ex) when (IsReportable(ex))
        {
            ReportFailure(ex);
            return 1;
        }
    }

    /// <summary>Starts every resource once its dependencies are ready, and returns when all are. On failure stops what started and throws.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        Log.RegisterNames(Resources.Select(r => r.Name).Append("apphost"));
        var context = new RunContext(_builder.Configuration, _builder.DataDirectory,
            new ParameterStore(_builder.Configuration, Path.Combine(_builder.DataDirectory, "parameters.json")), Log, _builder.EnvironmentName);
        Directory.CreateDirectory(context.DataDirectory);

        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = new Dictionary<Resource, Task>();
        Task Start(Resource resource)
        {
            lock (tasks)
            {
                if (!tasks.TryGetValue(resource, out var task))
                {
                    task = Task.Run(() => StartOneAsync(resource, context, Start, abort.Token), abort.Token);
                    tasks[resource] = task;
                }

                return task;
            }
        }

        var all = Resources.Select(Start).ToList();
        try
        {
            await WhenAllOrFirstFailure(all).ConfigureAwait(false);
        }
        catch
        {
            await abort.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(all.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
            await StopAsync().ConfigureAwait(false);
            throw;
        }

        StartupDuration = clock.Elapsed;
        PrintStatusTable();
        var sinceLaunch = DateTime.Now - Process.GetCurrentProcess().StartTime;
        Log.Info($"all {Resources.Count} resources ready in {StartupDuration.Value.TotalSeconds:0.0} s ({sinceLaunch.TotalSeconds:0.0} s since the AppHost process started)");
    }

    /// <summary>Stops services first (dependents before what they depend on), databases last.</summary>
    public async Task StopAsync()
    {
        List<Resource> running;
        lock (_started)
        {
            _stopping = true;
            running = [.. _started.Where(r => r.State is ResourceState.Running or ResourceState.Starting or ResourceState.Failed)];
        }

        foreach (var level in running.GroupBy(Depth).OrderByDescending(g => g.Key))
        {
            await Task.WhenAll(level.Select(async resource =>
            {
                resource.State = ResourceState.Stopping;
                await resource.StopAsync().ConfigureAwait(false);
                resource.State = ResourceState.Stopped;
            })).ConfigureAwait(false);
        }

        if (running.Count > 0)
        {
            Log.Info("stopped");
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    /// <summary>Writes the Aspire manifest of every resource.</summary>
    public void WriteManifest(string path)
    {
        var manifest = new ManifestBuilder(path);
        foreach (var resource in Resources)
        {
            resource.WriteManifest(manifest);
        }

        manifest.Write();
    }

    private async Task StartOneAsync(Resource resource, RunContext context, Func<Resource, Task> start, CancellationToken cancellationToken)
    {
        await Task.WhenAll(resource.WaitsFor.Concat(resource.WaitsForCompletion).Distinct().Select(start)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_started)
        {
            resource.State = ResourceState.Starting;
            _started.Add(resource);
        }

        try
        {
            await resource.StartAsync(context, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && ex is not ResourceFailedException && IsReportable(ex))
        {
            resource.State = ResourceState.Failed;
            throw new ResourceFailedException(resource.Name, ex.Message, resource.Process?.RecentOutput ?? []);
        }
        catch
        {
            resource.State = ResourceState.Failed;
            throw;
        }

        resource.State = resource.Process is null && resource is MigrationsResource or OnnxRuntimeResource ? ResourceState.Completed : ResourceState.Running;
        if (resource.Process is { } process)
        {
            _ = WatchAsync(resource, process);
        }
    }

    private async Task WatchAsync(Resource resource, Processes.ChildProcess process)
    {
        await process.Exited.ConfigureAwait(false);
        lock (_started)
        {
            if (_stopping)
            {
                return;
            }

            resource.State = ResourceState.Failed;
        }

        _failure.TrySetResult(new ResourceFailedException(resource.Name, $"exited unexpectedly with code {process.ExitCode}", process.RecentOutput));
    }

    private static async Task WhenAllOrFirstFailure(List<Task> tasks)
    {
        var pending = tasks.ToList();
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending).ConfigureAwait(false);
            await done.ConfigureAwait(false);
            pending.Remove(done);
        }
    }

    private static int Depth(Resource resource) =>
        resource.WaitsFor.Concat(resource.WaitsForCompletion).Select(Depth).DefaultIfEmpty(-1).Max() + 1;

    private static void DetectCycles(List<Resource> resources)
    {
        var visiting = new HashSet<Resource>();
        var done = new HashSet<Resource>();
        void Visit(Resource resource, List<string> path)
        {
            if (done.Contains(resource))
            {
                return;
            }

            if (!visiting.Add(resource))
            {
                throw new InvalidOperationException($"Resources wait for each other in a cycle: {string.Join(" -> ", path.Append(resource.Name))}.");
            }

            foreach (var dependency in resource.WaitsFor.Concat(resource.WaitsForCompletion))
            {
                Visit(dependency, [.. path, resource.Name]);
            }

            visiting.Remove(resource);
            done.Add(resource);
        }

        foreach (var resource in resources)
        {
            Visit(resource, []);
        }
    }

    private void PrintStatusTable()
    {
        var rows = Resources.Select(r => (r.Name, Type: TypeName(r), State: r.State.ToString(), r.Endpoint)).ToList();
        var widths = (Name: Math.Max(8, rows.Max(r => r.Name.Length)), Type: Math.Max(4, rows.Max(r => r.Type.Length)), State: 9);
        Log.Raw(string.Empty);
        Log.Raw($"  {"RESOURCE".PadRight(widths.Name)}  {"TYPE".PadRight(widths.Type)}  {"STATE".PadRight(widths.State)}  ENDPOINT");
        foreach (var row in rows)
        {
            Log.Raw($"  {row.Name.PadRight(widths.Name)}  {row.Type.PadRight(widths.Type)}  {row.State.PadRight(widths.State)}  {row.Endpoint}");
        }

        Log.Raw(string.Empty);
    }

    private static string TypeName(Resource resource) => resource switch
    {
        PostgresServerResource => "postgres",
        PostgresDatabaseResource => "database",
        RedisResource => "redis",
        MigrationsResource => "migrations",
        ProjectResource => "project",
        _ => resource.GetType().Name,
    };

    private void ReportFailure(Exception ex)
    {
        if (ex is ResourceFailedException failed)
        {
            Log.Info($"FAILED {failed.ResourceName}: {failed.Reason}");
            if (failed.RecentOutput.Count > 0)
            {
                Log.Info($"last lines from {failed.ResourceName}:");
                foreach (var line in failed.RecentOutput.TakeLast(20))
                {
                    Log.Info("    " + line);
                }
            }
        }
        else
        {
            Log.Info($"FAILED: {ex.Message}");
        }
    }

    private static bool IsReportable(Exception ex) =>
        ex is ResourceFailedException or PortInUseException or PrerequisiteMissingException or MigrationException
            or Npgsql.NpgsqlException or IOException or UnauthorizedAccessException or InvalidOperationException or System.ComponentModel.Win32Exception;
}
