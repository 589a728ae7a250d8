using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using AppHost.Hosting.Processes;

namespace AppHost.Hosting.Provisioning;

/// <summary>
/// Where and how to run a local Redis server. <c>ExtraConfiguration</c> holds additional redis.conf lines
/// (e.g. <c>tls-port</c> and certificate files), appended last.
/// </summary>
public sealed record RedisServerOptions(string Name, string DataDirectory, int Port, string Password, IReadOnlyList<string>? ExtraConfiguration = null);

/// <summary>
/// A Redis server run as a child process with a password, listening on 127.0.0.1 only, saving its
/// data under the data folder (RDB snapshot every 60 s after a write, and on shutdown).
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private RedisServer(RedisServerOptions options, ChildProcess process)
    {
        Options = options;
        _process = process;
    }

    public RedisServerOptions Options { get; }

    public ChildProcess Process => _process;

    /// <summary>The Aspire-format connection string: <c>host:port,password=...</c>.</summary>
    public string ConnectionString => $"127.0.0.1:{Options.Port},password={Options.Password}";

    public static async Task<RedisServer> StartAsync(RedisServerOptions options, Action<string, string> output, CancellationToken cancellationToken = default)
    {
        await OsPrerequisites.EnsureAsync([OsPrerequisites.Redis], line => output(options.Name, line), cancellationToken).ConfigureAwait(false);
        PortGuard.EnsureFree(options.Port, options.Name);
        var dataDirectory = Path.GetFullPath(options.DataDirectory);
        Directory.CreateDirectory(dataDirectory);

        // The password goes in a private config file, not on the command line where ps shows it.
        var configFile = Path.Combine(dataDirectory, "redis.conf");
        string[] lines =
        [
            $"port {options.Port}",
            "bind 127.0.0.1",
            "protected-mode yes",
            $"requirepass \"{options.Password}\"",
            $"dir \"{dataDirectory}\"",
            "dbfilename dump.rdb",
            "save 60 1",
            "appendonly no",
            "daemonize no",
            "logfile \"\"",
            .. options.ExtraConfiguration ?? [],
            "",
        ];
        await File.WriteAllTextAsync(configFile, string.Join('\n', lines), cancellationToken).ConfigureAwait(false);
        File.SetUnixFileMode(configFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var spec = new ChildProcessSpec(options.Name, OsPrerequisites.FindOnPath("redis-server")!, [configFile]);
        var process = ChildProcess.Start(spec, output);
        var server = new RedisServer(options, process);
        await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        return server;
    }

    public Task StopAsync() => _process.StopAsync(TimeSpan.FromSeconds(20));

    public async ValueTask DisposeAsync() => await _process.DisposeAsync().ConfigureAwait(false);

    /// <summary>Readiness: AUTH then PING answered with +OK and +PONG.</summary>
    public static async Task<bool> PingAsync(int port, string password, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port, cancellationToken).ConfigureAwait(false);
            var stream = client.GetStream();
            var passwordBytes = Encoding.UTF8.GetByteCount(password).ToString(CultureInfo.InvariantCulture);
            var request = Encoding.UTF8.GetBytes($"*2\r\n$4\r\nAUTH\r\n${passwordBytes}\r\n{password}\r\n*1\r\n$4\r\nPING\r\n");
            await stream.WriteAsync(request, cancellationToken).ConfigureAwait(false);
            var buffer = new byte[64];
            var received = new StringBuilder();
            while (!received.ToString().Contains("+PONG", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (read == 0 || received.ToString().Contains('-', StringComparison.Ordinal))
                {
                    return false;
                }

                received.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }

            return received.ToString().StartsWith("+OK", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (!await PingAsync(Options.Port, Options.Password, cancellationToken).ConfigureAwait(false))
        {
            if (_process.HasExited)
            {
                throw new ResourceFailedException(Options.Name, "Redis exited during start-up", _process.RecentOutput);
            }

            if (deadline.Elapsed > timeout)
            {
                throw new ResourceFailedException(Options.Name, $"Redis did not answer PING within {timeout.TotalSeconds:0} s", _process.RecentOutput);
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }
}
