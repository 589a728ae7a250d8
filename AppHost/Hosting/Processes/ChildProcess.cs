using System.Collections.Concurrent;
using System.Diagnostics;

namespace AppHost.Hosting.Processes;

/// <summary>
/// A child process whose output is streamed with a name prefix, that is asked to stop with its own
/// graceful signal, and that cannot outlive the AppHost: it is started through <c>setpriv --pdeathsig</c>,
/// so the kernel signals it when the AppHost process dies, even by SIGKILL.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private const int TailLines = 40;
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _tail = new();
    private readonly Action<string, string> _output;
    private readonly TaskCompletionSource _outputDrained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _openStreams = 2;

    private ChildProcess(ChildProcessSpec spec, Process process, Action<string, string> output)
    {
        Spec = spec;
        _process = process;
        _output = output;
    }

    public ChildProcessSpec Spec { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>The last lines the child wrote, for reporting why it stopped.</summary>
    public IReadOnlyList<string> RecentOutput => [.. _tail];

    /// <summary>Completes when the process has exited and its output has been read to the end.</summary>
    public Task Exited => Task.WhenAll(_process.WaitForExitAsync(), _outputDrained.Task);

    /// <summary>Starts the child. <paramref name="output"/> receives (name, line) for every line it writes.</summary>
    public static ChildProcess Start(ChildProcessSpec spec, Action<string, string> output)
    {
        var info = new ProcessStartInfo
        {
            FileName = "setpriv",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = spec.WorkingDirectory ?? Environment.CurrentDirectory,
        };
        info.ArgumentList.Add($"--pdeathsig={NativeSignals.Name(spec.StopSignal)}");
        if (spec.RunAsUser is { } user)
        {
            info.ArgumentList.Add($"--reuid={user}");
            info.ArgumentList.Add($"--regid={user}");
            info.ArgumentList.Add("--init-groups");
        }

        info.ArgumentList.Add("--");
        info.ArgumentList.Add(spec.FileName);
        foreach (var argument in spec.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in spec.Environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(spec, process, output);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        ProcessLauncherThread.Start(process);
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Sends the graceful stop signal, waits up to <paramref name="grace"/>, then kills.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            await Exited.ConfigureAwait(false);
            return;
        }

        NativeSignals.Send(_process.Id, Spec.StopSignal);
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        await Task.WhenAny(_outputDrained.Task, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            if (Interlocked.Decrement(ref _openStreams) == 0)
            {
                _outputDrained.TrySetResult();
            }

            return;
        }

        _tail.Enqueue(line);
        while (_tail.Count > TailLines && _tail.TryDequeue(out _))
        {
        }

        _output(Spec.Name, line);
    }
}
