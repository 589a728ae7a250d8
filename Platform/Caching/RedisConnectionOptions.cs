using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Platform.Caching;

/// <summary>
/// Where and how <see cref="RedisClient"/> connects. Parsed from the Aspire/StackExchange.Redis connection
/// string format <c>host:port,password=...[,user=...][,ssl=true]</c>. Defaults: port 6379 (6380 with TLS,
/// as Azure Cache for Redis uses), connect and command timeouts of 5 s, reconnect back-off from 100 ms to 10 s.
/// </summary>
public sealed class RedisConnectionOptions
{
    /// <summary>StackExchange.Redis settings that have no meaning for this client and are accepted and ignored.</summary>
    private static readonly HashSet<string> IgnoredSettings = new(StringComparer.OrdinalIgnoreCase)
    {
        "abortConnect", "allowAdmin", "channelPrefix", "checkCertificateRevocation", "configCheckSeconds",
        "configChannel", "connectRetry", "keepAlive", "proxy", "resolveDns", "serviceName", "sslProtocols",
        "tiebreaker", "version", "highPrioritySocketThreads", "responseTimeout", "setlib", "protocol",
    };

    /// <summary>Host name or IP address of the server.</summary>
    public string Host { get; set; } = "localhost";

    /// <summary>TCP port; null means 6379, or 6380 when <see cref="Ssl"/> is on.</summary>
    public int? Port { get; set; }

    /// <summary>The port actually used.</summary>
    public int EffectivePort => Port ?? (Ssl ? 6380 : 6379);

    /// <summary>Password sent with AUTH on every connect; null for none.</summary>
    public string? Password { get; set; }

    /// <summary>ACL user name sent with AUTH (Redis 6+); null for the default user.</summary>
    public string? User { get; set; }

    /// <summary>Connect over TLS.</summary>
    public bool Ssl { get; set; }

    /// <summary>The name the server's certificate must carry; defaults to <see cref="Host"/>.</summary>
    public string? SslHost { get; set; }

    /// <summary>Database selected after connecting.</summary>
    public int DefaultDatabase { get; set; }

    /// <summary>Name shown by CLIENT LIST, to tell services apart on a shared server.</summary>
    public string? ClientName { get; set; }

    /// <summary>Limit for opening a connection: TCP connect, TLS handshake and AUTH together.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Limit for one command, from the call until its reply, including any wait for a reconnect.
    /// A command that exceeds it fails with <see cref="TimeoutException"/>.
    /// </summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>First delay between reconnect attempts; it doubles per failed attempt (with jitter).</summary>
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest delay between reconnect attempts.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Custom TLS server certificate check, e.g. to trust a private CA in tests. Null means the
    /// operating system's trust store (what Azure needs).
    /// </summary>
    public RemoteCertificateValidationCallback? RemoteCertificateValidation { get; set; }

    /// <summary>"host:port", for messages and logs (never includes the password).</summary>
    public string EndPoint => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{EffectivePort}" : $"{Host}:{EffectivePort}";

    /// <summary>Trusts server certificates issued by <paramref name="authority"/> (and only those), with the host name checked.</summary>
    public RedisConnectionOptions TrustCertificateAuthority(X509Certificate2 authority)
    {
        ArgumentNullException.ThrowIfNull(authority);
        RemoteCertificateValidation = (_, certificate, _, errors) =>
        {
            if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(authority);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var server = new X509Certificate2(certificate);
            return chain.Build(server);
        };
        return this;
    }

    /// <summary>Parses <c>host[:port][,key=value]...</c>; throws <see cref="ArgumentException"/> naming the first bad part.</summary>
    public static RedisConnectionOptions Parse(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var options = new RedisConnectionOptions();
        var sawEndPoint = false;
        foreach (var rawPart in connectionString.Split(','))
        {
            var part = rawPart.Trim();
            if (part.Length == 0)
            {
                continue;
            }

            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                if (sawEndPoint)
                {
                    throw Bad($"'{part}' is a second endpoint; only one Redis server is supported");
                }

                options.ApplyEndPoint(part);
                sawEndPoint = true;
                continue;
            }

            options.ApplySetting(part[..equals].Trim(), part[(equals + 1)..].Trim());
        }

        return sawEndPoint ? options : throw Bad("no host:port endpoint found");
    }

    private void ApplyEndPoint(string part)
    {
        string host;
        string? port = null;
        if (part.StartsWith('['))
        {
            var close = part.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || (close + 1 < part.Length && part[close + 1] != ':'))
            {
                throw Bad($"endpoint '{part}' is not [ipv6]:port");
            }

            host = part[1..close];
            port = close + 1 < part.Length ? part[(close + 2)..] : null;
        }
        else
        {
            var colon = part.LastIndexOf(':');
            host = colon < 0 ? part : part[..colon];
            port = colon < 0 ? null : part[(colon + 1)..];
        }

        if (host.Length == 0 || host.Any(c => char.IsWhiteSpace(c) || c is '/' or '@' or ';'))
        {
            throw Bad($"endpoint '{part}' has no valid host name");
        }

        Host = host;
        if (port is not null)
        {
            Port = int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is > 0 and < 65536
                ? number
                : throw Bad($"endpoint '{part}' has an invalid port '{port}'");
        }
    }

    private void ApplySetting(string key, string value)
    {
        switch (key.ToLowerInvariant())
        {
            case "password":
                Password = value;
                break;
            case "user":
                User = value;
                break;
            case "ssl":
                Ssl = ParseBool(key, value);
                break;
            case "sslhost":
                SslHost = value;
                break;
            case "name":
                ClientName = value;
                break;
            case "defaultdatabase":
                DefaultDatabase = ParseInt(key, value);
                break;
            case "connecttimeout":
                ConnectTimeout = TimeSpan.FromMilliseconds(ParseInt(key, value));
                break;
            case "synctimeout":
            case "asynctimeout":
                CommandTimeout = TimeSpan.FromMilliseconds(ParseInt(key, value));
                break;
            default:
                if (!IgnoredSettings.Contains(key))
                {
                    // The value is left out of the message: a mistyped key may be holding a secret.
                    throw Bad($"'{key}' is not a known setting");
                }

                break;
        }
    }

    private static bool ParseBool(string key, string value) =>
        bool.TryParse(value, out var result) ? result : throw Bad($"'{key}' must be true or false, not '{value}'");

    private static int ParseInt(string key, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var result)
            ? result
            : throw Bad($"'{key}' must be a non-negative whole number, not '{value}'");

    private static ArgumentException Bad(string problem) =>
        new($"Invalid Redis connection string: {problem}.");

    /// <inheritdoc />
    public override string ToString() => $"{EndPoint} (ssl={Ssl}, user={User ?? "default"}, password={(Password is null ? "none" : "***")})";
}
