using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace AppHost.Hosting.Provisioning;

/// <summary>Checks that a port is free before a resource binds it, and names whoever holds it.</summary>
public static class PortGuard
{
    private static readonly string[] TcpTables = ["/proc/net/tcp", "/proc/net/tcp6"];

    public static void EnsureFree(int port, string resourceName)
    {
        if (IsFree(port))
        {
            return;
        }

        var holder = FindListeningProcess(port);
        var who = holder is null ? "another process" : $"process {holder.Value.Pid} ({holder.Value.Command})";
        throw new PortInUseException(
            $"Port {port} for '{resourceName}' is already in use by {who}. Stop it, or choose another port " +
            $"with the setting Ports:{resourceName} (e.g. --Ports:{resourceName}={port + 100}).");
    }

    public static bool IsFree(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>A free loopback port chosen by the OS (for tests and parallel instances).</summary>
    public static int GetFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Linux only: finds the listening socket's inode in /proc/net/tcp*, then the process holding it.</summary>
    public static (int Pid, string Command)? FindListeningProcess(int port)
    {
        try
        {
            var inodes = new HashSet<string>();
            foreach (var table in TcpTables.Where(File.Exists))
            {
                foreach (var line in File.ReadLines(table).Skip(1))
                {
                    var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    // local_address is HEX_IP:HEX_PORT; state 0A is LISTEN.
                    if (parts.Length > 9 && parts[3] == "0A" &&
                        int.Parse(parts[1][(parts[1].IndexOf(':', StringComparison.Ordinal) + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture) == port)
                    {
                        inodes.Add($"socket:[{parts[9]}]");
                    }
                }
            }

            if (inodes.Count == 0)
            {
                return null;
            }

            foreach (var procDir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(procDir), out var pid))
                {
                    continue;
                }

                try
                {
                    foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(procDir, "fd")))
                    {
                        if (new FileInfo(fd).LinkTarget is { } target && inodes.Contains(target))
                        {
                            var command = File.ReadAllText(Path.Combine(procDir, "cmdline")).Replace('\0', ' ').Trim();
                            return (pid, command.Length > 120 ? command[..120] + "..." : command);
                        }
                    }
                }
                catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
                {
                    // The process exited or is not ours to inspect.
                }
            }
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException or FormatException)
        {
        }

        return null;
    }
}

/// <summary>A resource's port is taken.</summary>
public sealed class PortInUseException(string message) : Exception(message);
