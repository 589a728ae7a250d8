using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Platform.Tests.Email;

/// <summary>
/// A tiny SMTP server on 127.0.0.1 for one test: answers EHLO (8BITMIME), MAIL, RCPT, DATA, RSET, NOOP and QUIT, and
/// keeps each message's envelope and data. It serves until disposed; each session is bounded by a timeout.
/// </summary>
internal sealed class LoopbackSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public LoopbackSmtpServer()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public List<string> Commands { get; } = [];

    public List<(string From, List<string> To, string Data)> Messages { get; } = [];

    /// <summary>When set, RCPT TO is refused with this reply (e.g. "450 mailbox busy").</summary>
    public string? RefuseRecipientsWith { get; set; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception error) when (error is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var session = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        session.CancelAfter(TimeSpan.FromSeconds(30));
        using (client)
        await using (var stream = client.GetStream())
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\r\n", AutoFlush = true };
            await writer.WriteLineAsync("220 localhost test ESMTP");
            string? from = null;
            var to = new List<string>();
            while (await reader.ReadLineAsync(session.Token) is { } line)
            {
                lock (Commands)
                {
                    Commands.Add(line);
                }

                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        await writer.WriteAsync("250-localhost\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n");
                        break;
                    case "HELO":
                    case "NOOP":
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "MAIL":
                        from = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                        to.Clear();
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "RCPT":
                        if (RefuseRecipientsWith is { } refusal)
                        {
                            await writer.WriteLineAsync(refusal);
                            break;
                        }

                        to.Add(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim());
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "DATA":
                        await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>");
                        var data = new StringBuilder();
                        while (await reader.ReadLineAsync(session.Token) is { } dataLine && dataLine != ".")
                        {
                            data.Append(dataLine.StartsWith("..", StringComparison.Ordinal) ? dataLine[1..] : dataLine).Append("\r\n");
                        }

                        lock (Messages)
                        {
                            Messages.Add((from ?? string.Empty, [.. to], data.ToString()));
                        }

                        await writer.WriteLineAsync("250 OK queued");
                        break;
                    case "RSET":
                        to.Clear();
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "QUIT":
                        await writer.WriteLineAsync("221 Bye");
                        return;
                    default:
                        await writer.WriteLineAsync("502 Command not implemented");
                        break;
                }
            }
        }
    }
}
